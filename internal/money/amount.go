package money

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// MaxIntegerDigits is the maximum number of digits before the decimal point
// that Parse accepts. It is far above any real amount and bounds the work
// spent on a single value.
const MaxIntegerDigits = 30

// SignRule is the sign that Parse accepts. The zero value is NonNegative.
type SignRule int

const (
	// NonNegative accepts zero and positive amounts.
	NonNegative SignRule = iota
	// Positive accepts only amounts greater than zero.
	Positive
	// AnySign accepts negative, zero and positive amounts.
	AnySign
)

// Amount is an exact decimal number. The zero value is 0 and ready to use.
// An Amount carries no currency: the Currency that parsed it formats it.
type Amount struct {
	value decimal.Decimal
}

// Parse parses s as an amount in currency c.
//
// s is a plain decimal: an optional "-", one to MaxIntegerDigits digits, and
// optionally "." followed by one or more digits, for example "12500.00",
// "1000" or "-0.5". Parse rejects an empty string, spaces, a "+" sign,
// exponent notation such as "1e3", more fraction digits than the currency
// has, and a sign that rule does not accept. "-0" is zero and passes every
// rule that accepts zero. Every error names the value and the fix.
func (c Currency) Parse(s string, rule SignRule) (Amount, error) {
	if c.IsZero() {
		return Amount{}, fmt.Errorf("cannot parse amount %q: the currency is not set", s)
	}
	if s == "" {
		return Amount{}, fmt.Errorf("amount is empty: set a decimal such as %q", c.example())
	}

	integerDigits, fractionDigits, err := scanDecimal(s)
	if err != nil {
		return Amount{}, fmt.Errorf("invalid amount %q: %w. Write a plain decimal such as %q", s, err, c.example())
	}
	if integerDigits > MaxIntegerDigits {
		return Amount{}, fmt.Errorf("invalid amount %q: more than %d digits before the decimal point", s, MaxIntegerDigits)
	}
	if fractionDigits > int(c.digits) {
		return Amount{}, fmt.Errorf("invalid amount %q: %s", s, c.describeDigits())
	}

	value, err := decimal.NewFromString(s)
	if err != nil {
		// scanDecimal accepts only strings that NewFromString parses, so
		// this branch is a defect in scanDecimal.
		return Amount{}, fmt.Errorf("invalid amount %q: %w", s, err)
	}

	switch {
	case rule == Positive && value.Sign() <= 0:
		return Amount{}, fmt.Errorf("invalid amount %q: must be greater than zero", s)
	case rule == NonNegative && value.Sign() < 0:
		return Amount{}, fmt.Errorf("invalid amount %q: must not be negative", s)
	}
	return Amount{value: value}, nil
}

// scanDecimal checks the syntax of a plain decimal and counts its digits
// before and after the decimal point. The returned error names the first
// defect, and Parse adds the value and an example.
func scanDecimal(s string) (integerDigits, fractionDigits int, err error) {
	i := 0
	if s[0] == '-' {
		i++
	}

	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	integerDigits = i - start
	if i == len(s) {
		if integerDigits == 0 {
			return 0, 0, errors.New("no digits")
		}
		return integerDigits, 0, nil
	}

	switch s[i] {
	case '.':
	case 'e', 'E':
		return 0, 0, errors.New("exponent notation is not accepted")
	default:
		return 0, 0, fmt.Errorf("unexpected character %q", s[i])
	}
	if integerDigits == 0 {
		return 0, 0, errors.New("no digit before the decimal point")
	}

	i++
	start = i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	fractionDigits = i - start
	if i < len(s) {
		if s[i] == 'e' || s[i] == 'E' {
			return 0, 0, errors.New("exponent notation is not accepted")
		}
		return 0, 0, fmt.Errorf("unexpected character %q", s[i])
	}
	if fractionDigits == 0 {
		return 0, 0, errors.New("no digit after the decimal point")
	}
	return integerDigits, fractionDigits, nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// example returns 12500 written in the currency's format, for error messages.
func (c Currency) example() string {
	return c.Format(Amount{value: decimal.NewFromInt(12500)})
}

func (c Currency) describeDigits() string {
	switch c.digits {
	case 0:
		return fmt.Sprintf("%s has no minor unit, so the amount must be a whole number such as %q", c.code, c.example())
	case 1:
		return fmt.Sprintf("%s allows at most 1 fraction digit", c.code)
	default:
		return fmt.Sprintf("%s allows at most %d fraction digits", c.code, c.digits)
	}
}

// Add returns a + b.
func (a Amount) Add(b Amount) Amount { return Amount{value: a.value.Add(b.value)} }

// Sub returns a - b.
func (a Amount) Sub(b Amount) Amount { return Amount{value: a.value.Sub(b.value)} }

// Neg returns -a.
func (a Amount) Neg() Amount { return Amount{value: a.value.Neg()} }

// Cmp returns -1 if a < b, 0 if a == b and +1 if a > b.
func (a Amount) Cmp(b Amount) int { return a.value.Cmp(b.value) }

// Equal reports whether a and b are the same number; 1.5 equals 1.50.
func (a Amount) Equal(b Amount) bool { return a.value.Equal(b.value) }

// Sign returns -1 if a < 0, 0 if a == 0 and +1 if a > 0.
func (a Amount) Sign() int { return a.value.Sign() }

// IsZero reports whether a is zero.
func (a Amount) IsZero() bool { return a.value.IsZero() }

// IsPositive reports whether a is greater than zero.
func (a Amount) IsPositive() bool { return a.value.Sign() > 0 }

// IsNegative reports whether a is less than zero.
func (a Amount) IsNegative() bool { return a.value.Sign() < 0 }

// String returns the exact value without rounding or padding, such as "12.5".
// Use Currency.Format for a value shown to people or written to an API field.
func (a Amount) String() string { return a.value.String() }

// Min returns the smaller of a and b.
func Min(a, b Amount) Amount {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

// Max returns the larger of a and b.
func Max(a, b Amount) Amount {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}
