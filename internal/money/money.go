// Package money implements exact decimal amounts in ISO 4217 currencies.
//
// An Amount is an exact decimal number. A Currency parses, rounds and formats
// amounts with the number of fraction digits of its minor unit, for example
// 2 for EUR ("12500.00"), 0 for JPY ("1000") and 3 for KWD ("1.250").
// Nothing in this package uses floating point.
package money

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
	"golang.org/x/text/currency"
)

// Currency is an ISO 4217 currency together with the number of fraction
// digits of its minor unit. The zero Currency is not valid: build one with
// ParseCurrency.
type Currency struct {
	code   string
	digits int32
}

// ParseCurrency returns the currency with the given upper-case ISO 4217 code.
//
// The fraction digits come from the CLDR data in golang.org/x/text/currency
// (standard rounding, not cash rounding). They match the ISO 4217 minor unit
// for common currencies such as EUR (2), JPY (0) and KWD (3).
//
// NOTE: for a few currencies CLDR records fewer digits than the ISO 4217
// table (IDR and MGA have 0 in CLDR and 2 in ISO 4217), and this package
// follows CLDR.
func ParseCurrency(code string) (Currency, error) {
	if code == "" {
		return Currency{}, errors.New(`currency code is empty: set an ISO 4217 code such as "EUR"`)
	}
	if !isUpperCode(code) {
		return Currency{}, fmt.Errorf("invalid currency code %q: use three upper-case letters such as %q", code, "EUR")
	}

	unit, err := currency.ParseISO(code)
	if err != nil {
		return Currency{}, fmt.Errorf("unknown currency code %q: it is not an ISO 4217 code", code)
	}
	// ParseISO returns the zero Unit for XXX, the ISO 4217 code for
	// "no currency", which cannot carry an amount.
	if unit == (currency.Unit{}) {
		return Currency{}, fmt.Errorf("invalid currency code %q: it is the ISO 4217 code for no currency. Use the code of the currency the amounts are in", code)
	}

	scale, _ := currency.Standard.Rounding(unit)
	return Currency{code: code, digits: int32(scale)}, nil
}

// MustParseCurrency is like ParseCurrency but panics on an invalid code.
// It is meant for constants in tests and package initialisation.
func MustParseCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

func isUpperCode(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := range len(code) {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	return true
}

// Code returns the ISO 4217 code, or "" for the zero Currency.
func (c Currency) Code() string { return c.code }

// Digits returns the number of fraction digits of the minor unit.
func (c Currency) Digits() int32 { return c.digits }

// IsZero reports whether c is the zero Currency, which no parse returns.
func (c Currency) IsZero() bool { return c.code == "" }

// String returns the ISO 4217 code.
func (c Currency) String() string { return c.code }

// MinorUnit returns the smallest amount the currency can express, for
// example 0.01 for EUR and 1 for JPY.
func (c Currency) MinorUnit() Amount {
	return Amount{value: decimal.New(1, -c.digits)}
}

// FromMinorUnits returns n minor units of the currency, for example 1250
// cents as 12.50 EUR.
func (c Currency) FromMinorUnits(n int64) Amount {
	return Amount{value: decimal.New(n, -c.digits)}
}

// Round rounds a to the currency's minor unit, half away from zero: 0.005
// EUR becomes 0.01 and -0.005 EUR becomes -0.01.
//
// This is commercial rounding, the mode in which invoices are usually
// rounded, so a rounded figure matches what a person computes by hand.
// Half-even rounding cancels the upward bias of many successive roundings.
// That bias does not arise here, because Amount has only addition and
// subtraction, so a sum of amounts parsed in a currency is exact and
// rounding leaves it unchanged.
func (c Currency) Round(a Amount) Amount {
	return Amount{value: a.value.Round(c.digits)}
}

// Format returns a rounded to the minor unit (see Round) and written with
// exactly the currency's fraction digits: "12500.00" for EUR, "1000" for JPY
// and "1.250" for KWD. Negative amounts start with "-". The zero Currency
// formats with no fraction digits.
func (c Currency) Format(a Amount) string {
	return a.value.StringFixed(c.digits)
}
