package money

import (
	"strings"
	"testing"
)

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		name       string
		code       string
		wantDigits int32
		wantErr    string
	}{
		{name: "euro", code: "EUR", wantDigits: 2},
		{name: "yen", code: "JPY", wantDigits: 0},
		{name: "kuwaiti_dinar", code: "KWD", wantDigits: 3},
		{name: "us_dollar", code: "USD", wantDigits: 2},
		{name: "empty", code: "", wantErr: "currency code is empty"},
		{name: "lower_case", code: "eur", wantErr: `invalid currency code "eur": use three upper-case letters`},
		{name: "too_long", code: "EURO", wantErr: `invalid currency code "EURO"`},
		{name: "unknown", code: "ABC", wantErr: `unknown currency code "ABC"`},
		{name: "no_currency", code: "XXX", wantErr: `invalid currency code "XXX": it is the ISO 4217 code for no currency`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCurrency(tt.code)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseCurrency(%q) = %v, want error containing %q", tt.code, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseCurrency(%q) error = %q, want it to contain %q", tt.code, err, tt.wantErr)
				}
				if !got.IsZero() {
					t.Errorf("ParseCurrency(%q) returned %v with the error, want the zero Currency", tt.code, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCurrency(%q) error = %v", tt.code, err)
			}
			if got.Code() != tt.code {
				t.Errorf("Code() = %q, want %q", got.Code(), tt.code)
			}
			if got.String() != tt.code {
				t.Errorf("String() = %q, want %q", got.String(), tt.code)
			}
			if got.Digits() != tt.wantDigits {
				t.Errorf("Digits() = %d, want %d", got.Digits(), tt.wantDigits)
			}
			if got.IsZero() {
				t.Error("IsZero() = true for a parsed currency")
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		currency string
		input    string
		rule     SignRule
		want     string // formatted with the currency's digits
		wantErr  string
	}{
		{name: "euro_cents", currency: "EUR", input: "12500.00", want: "12500.00"},
		{name: "euro_whole", currency: "EUR", input: "12500", want: "12500.00"},
		{name: "euro_one_digit", currency: "EUR", input: "0.5", want: "0.50"},
		{name: "leading_zeros", currency: "EUR", input: "007.10", want: "7.10"},
		{name: "yen_whole", currency: "JPY", input: "1000", want: "1000"},
		{name: "dinar_fils", currency: "KWD", input: "1.25", want: "1.250"},
		{name: "dinar_three_digits", currency: "KWD", input: "1.250", want: "1.250"},
		{name: "zero_non_negative", currency: "EUR", input: "0", want: "0.00"},
		{name: "minus_zero_is_zero", currency: "EUR", input: "-0.00", want: "0.00"},
		{name: "negative_any_sign", currency: "EUR", input: "-3.10", rule: AnySign, want: "-3.10"},
		{name: "positive_rule", currency: "EUR", input: "0.01", rule: Positive, want: "0.01"},

		{name: "empty", currency: "EUR", input: "", wantErr: `amount is empty: set a decimal such as "12500.00"`},
		{name: "euro_three_digits", currency: "EUR", input: "12.345", wantErr: `invalid amount "12.345": EUR allows at most 2 fraction digits`},
		{name: "euro_trailing_zero", currency: "EUR", input: "12.500", wantErr: `invalid amount "12.500": EUR allows at most 2 fraction digits`},
		{name: "yen_fraction", currency: "JPY", input: "1000.5", wantErr: `invalid amount "1000.5": JPY has no minor unit, so the amount must be a whole number such as "12500"`},
		{name: "dinar_four_digits", currency: "KWD", input: "1.2500", wantErr: `invalid amount "1.2500": KWD allows at most 3 fraction digits`},
		{name: "exponent", currency: "EUR", input: "1e3", wantErr: `invalid amount "1e3": exponent notation is not accepted. Write a plain decimal such as "12500.00"`},
		{name: "exponent_after_fraction", currency: "EUR", input: "1.5E2", wantErr: `invalid amount "1.5E2": exponent notation is not accepted`},
		{name: "plus_sign", currency: "EUR", input: "+5", wantErr: `invalid amount "+5": unexpected character '+'`},
		{name: "comma", currency: "EUR", input: "12,50", wantErr: `invalid amount "12,50": unexpected character ','`},
		{name: "space", currency: "EUR", input: " 12", wantErr: `invalid amount " 12": unexpected character ' '`},
		{name: "only_minus", currency: "EUR", input: "-", wantErr: `invalid amount "-": no digits`},
		{name: "leading_point", currency: "EUR", input: ".5", wantErr: `invalid amount ".5": no digit before the decimal point`},
		{name: "trailing_point", currency: "EUR", input: "5.", wantErr: `invalid amount "5.": no digit after the decimal point`},
		{name: "two_points", currency: "EUR", input: "1.2.3", wantErr: `invalid amount "1.2.3": unexpected character '.'`},
		{name: "negative_rejected", currency: "EUR", input: "-1.00", wantErr: `invalid amount "-1.00": must not be negative`},
		{name: "zero_not_positive", currency: "EUR", input: "0.00", rule: Positive, wantErr: `invalid amount "0.00": must be greater than zero`},
		{name: "too_many_digits", currency: "EUR", input: strings.Repeat("9", MaxIntegerDigits+1), wantErr: "more than 30 digits before the decimal point"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := MustParseCurrency(tt.currency)
			got, err := c.Parse(tt.input, tt.rule)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Parse(%q) = %v, want error containing %q", tt.input, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %q, want it to contain %q", tt.input, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tt.input, err)
			}
			if s := c.Format(got); s != tt.want {
				t.Errorf("Format(Parse(%q)) = %q, want %q", tt.input, s, tt.want)
			}
		})
	}
}

func TestParseZeroCurrency(t *testing.T) {
	_, err := Currency{}.Parse("1", NonNegative)
	if err == nil {
		t.Fatal("Parse with the zero Currency succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "the currency is not set") {
		t.Errorf("error = %q, want it to say that the currency is not set", err)
	}
}

func TestRoundAndFormat(t *testing.T) {
	tests := []struct {
		name      string
		currency  string
		amount    string // parsed with a currency of enough digits
		wantRound string
	}{
		{name: "half_rounds_up", currency: "EUR", amount: "0.005", wantRound: "0.01"},
		{name: "below_half_rounds_down", currency: "EUR", amount: "0.004", wantRound: "0.00"},
		{name: "half_even_would_differ", currency: "EUR", amount: "0.025", wantRound: "0.03"},
		{name: "negative_half_away_from_zero", currency: "EUR", amount: "-0.005", wantRound: "-0.01"},
		{name: "negative_residue_to_zero", currency: "EUR", amount: "-0.004", wantRound: "0.00"},
		{name: "yen_half", currency: "JPY", amount: "2.5", wantRound: "3"},
		{name: "dinar_half", currency: "KWD", amount: "1.2345", wantRound: "1.235"},
		{name: "exact_value_kept", currency: "KWD", amount: "1.25", wantRound: "1.250"},
	}
	// KWD has 3 digits, which is not enough for "1.2345", so the inputs are
	// parsed with a currency built for the test with 6 digits.
	wide := Currency{code: "TST", digits: 6}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := MustParseCurrency(tt.currency)
			a, err := wide.Parse(tt.amount, AnySign)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tt.amount, err)
			}
			rounded := c.Round(a)
			if got := c.Format(rounded); got != tt.wantRound {
				t.Errorf("Format(Round(%s)) = %q, want %q", tt.amount, got, tt.wantRound)
			}
			if got := c.Format(a); got != tt.wantRound {
				t.Errorf("Format(%s) = %q, want %q", tt.amount, got, tt.wantRound)
			}
			again := c.Round(rounded)
			if !again.Equal(rounded) {
				t.Errorf("Round is not idempotent: %s then %s", rounded, again)
			}
		})
	}
}

func TestZeroAmount(t *testing.T) {
	var zero Amount
	eur := MustParseCurrency("EUR")

	if !zero.IsZero() {
		t.Error("zero Amount: IsZero() = false")
	}
	if zero.Sign() != 0 {
		t.Errorf("zero Amount: Sign() = %d, want 0", zero.Sign())
	}
	if got := eur.Format(zero); got != "0.00" {
		t.Errorf("Format(zero) = %q, want %q", got, "0.00")
	}
	if got := zero.String(); got != "0" {
		t.Errorf("zero.String() = %q, want %q", got, "0")
	}
	sum := zero.Add(eur.FromMinorUnits(150))
	if got := eur.Format(sum); got != "1.50" {
		t.Errorf("zero + 1.50 = %q, want %q", got, "1.50")
	}
	if got := eur.Format(zero.Sub(eur.MinorUnit())); got != "-0.01" {
		t.Errorf("zero - 0.01 = %q, want %q", got, "-0.01")
	}
	if got := eur.Format(eur.Round(zero)); got != "0.00" {
		t.Errorf("Round(zero) = %q, want %q", got, "0.00")
	}
}

func TestArithmetic(t *testing.T) {
	eur := MustParseCurrency("EUR")
	a := mustParse(t, eur, "100.10")
	b := mustParse(t, eur, "0.20")

	if got := eur.Format(a.Add(b)); got != "100.30" {
		t.Errorf("Add = %q, want %q", got, "100.30")
	}
	if got := eur.Format(b.Sub(a)); got != "-99.90" {
		t.Errorf("Sub = %q, want %q", got, "-99.90")
	}
	if got := eur.Format(a.Neg()); got != "-100.10" {
		t.Errorf("Neg = %q, want %q", got, "-100.10")
	}
	if a.Cmp(b) != 1 || b.Cmp(a) != -1 || a.Cmp(a) != 0 {
		t.Errorf("Cmp is wrong: a.Cmp(b)=%d b.Cmp(a)=%d a.Cmp(a)=%d", a.Cmp(b), b.Cmp(a), a.Cmp(a))
	}
	if !mustParse(t, eur, "1.5").Equal(mustParse(t, eur, "1.50")) {
		t.Error("1.5 and 1.50 are not Equal")
	}
	if !Min(a, b).Equal(b) {
		t.Errorf("Min(%s, %s) = %s", a, b, Min(a, b))
	}
	if !Max(a, b).Equal(a) {
		t.Errorf("Max(%s, %s) = %s", a, b, Max(a, b))
	}
	if !a.IsPositive() || a.IsNegative() {
		t.Errorf("%s: IsPositive=%v IsNegative=%v", a, a.IsPositive(), a.IsNegative())
	}
	if n := b.Sub(a); !n.IsNegative() || n.IsPositive() {
		t.Errorf("%s: IsPositive=%v IsNegative=%v", n, n.IsPositive(), n.IsNegative())
	}
	// 0.1 + 0.2 is the classic float error; decimals add exactly.
	sum := mustParse(t, eur, "0.10").Add(mustParse(t, eur, "0.20"))
	if !sum.Equal(mustParse(t, eur, "0.30")) {
		t.Errorf("0.10 + 0.20 = %s, want exactly 0.30", sum)
	}
}

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		currency  string
		wantMinor string
		wantFrom  string
	}{
		{currency: "EUR", wantMinor: "0.01", wantFrom: "12.50"},
		{currency: "JPY", wantMinor: "1", wantFrom: "1250"},
		{currency: "KWD", wantMinor: "0.001", wantFrom: "1.250"},
	}
	for _, tt := range tests {
		t.Run(tt.currency, func(t *testing.T) {
			c := MustParseCurrency(tt.currency)
			if got := c.Format(c.MinorUnit()); got != tt.wantMinor {
				t.Errorf("MinorUnit() = %q, want %q", got, tt.wantMinor)
			}
			if got := c.Format(c.FromMinorUnits(1250)); got != tt.wantFrom {
				t.Errorf("FromMinorUnits(1250) = %q, want %q", got, tt.wantFrom)
			}
		})
	}
}

func TestMustParseCurrencyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParseCurrency(\"ABC\") did not panic")
		}
	}()
	MustParseCurrency("ABC")
}

func mustParse(t *testing.T, c Currency, s string) Amount {
	t.Helper()
	a, err := c.Parse(s, AnySign)
	if err != nil {
		t.Fatalf("Parse(%q) error = %v", s, err)
	}
	return a
}
