package money

import (
	"strings"
	"testing"
)

var fuzzCurrencies = []string{"EUR", "JPY", "KWD"}

// FuzzParse checks that Parse never panics, that every accepted value obeys
// the sign rule and the currency's digits, and that formatting an accepted
// value and parsing the output again returns the same number.
func FuzzParse(f *testing.F) {
	f.Add("12500.00", uint8(0), uint8(0))
	f.Add("1000", uint8(1), uint8(1))
	f.Add("1.250", uint8(2), uint8(2))
	f.Add("-0", uint8(0), uint8(1))
	f.Add("1e3", uint8(0), uint8(2))
	f.Add(".5", uint8(0), uint8(0))

	f.Fuzz(func(t *testing.T, input string, currencyIndex, ruleIndex uint8) {
		c := MustParseCurrency(fuzzCurrencies[int(currencyIndex)%len(fuzzCurrencies)])
		rule := SignRule(int(ruleIndex) % 3)

		a, err := c.Parse(input, rule)
		if err != nil {
			if !strings.Contains(err.Error(), "amount") {
				t.Fatalf("error %q does not mention the amount", err)
			}
			return
		}

		switch {
		case rule == Positive && !a.IsPositive():
			t.Fatalf("Parse(%q, Positive) accepted %s", input, a)
		case rule == NonNegative && a.IsNegative():
			t.Fatalf("Parse(%q, NonNegative) accepted %s", input, a)
		}
		if !c.Round(a).Equal(a) {
			t.Fatalf("Parse(%q) accepted %s, which is finer than the %s minor unit", input, a, c)
		}

		formatted := c.Format(a)
		back, err := c.Parse(formatted, rule)
		if err != nil {
			t.Fatalf("Parse(Format(%q)) = Parse(%q) error = %v", input, formatted, err)
		}
		if !back.Equal(a) {
			t.Fatalf("Parse(Format(%q)) = %s, want %s", input, back, a)
		}

		fraction := ""
		if i := strings.IndexByte(formatted, '.'); i >= 0 {
			fraction = formatted[i+1:]
		}
		if len(fraction) != int(c.Digits()) {
			t.Fatalf("Format(%s) = %q has %d fraction digits, want %d", a, formatted, len(fraction), c.Digits())
		}
	})
}
