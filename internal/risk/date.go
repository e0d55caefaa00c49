package risk

import (
	"fmt"
	"math"
	"time"
)

// date is a calendar date without a time or zone, counted in days since
// 1970-01-01. The difference of two dates is a number of calendar days, the
// unit of overdue days.
type date int64

// parseDate parses a YYYY-MM-DD date of the years 0000 to 9999.
func parseDate(s string) (date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[0:4]) || !allDigits(s[5:7]) || !allDigits(s[8:10]) {
		return 0, fmt.Errorf("invalid date %q: write YYYY-MM-DD, such as %q", s, "2024-03-31")
	}

	year := atoi(s[0:4])
	month := atoi(s[5:7])
	day := atoi(s[8:10])
	if month < 1 || month > 12 {
		return 0, fmt.Errorf("invalid date %q: the month must be 01 to 12", s)
	}
	if last := daysInMonth(year, month); day < 1 || day > last {
		return 0, fmt.Errorf("invalid date %q: %04d-%02d has days 01 to %02d", s, year, month, last)
	}
	return civilDate(int64(year), month, day), nil
}

// dateOf returns the calendar date that t shows in its own location.
func dateOf(t time.Time) date {
	year, month, day := t.Date()
	return civilDate(int64(year), int(month), day)
}

// civilDate converts a proleptic Gregorian date to days since 1970-01-01,
// with the era arithmetic of Howard Hinnant's days_from_civil algorithm.
func civilDate(year int64, month, day int) date {
	if month <= 2 {
		year--
	}
	era := floorDiv(year, 400)
	yearOfEra := year - era*400
	shiftedMonth := int64(month+9) % 12 // March is 0
	dayOfYear := (153*shiftedMonth+2)/5 + int64(day) - 1
	dayOfEra := yearOfEra*365 + yearOfEra/4 - yearOfEra/100 + dayOfYear
	return date(era*146097 + dayOfEra - 719468)
}

// civil converts d back to its year, month and day.
func (d date) civil() (year int64, month, day int) {
	z := int64(d) + 719468
	era := floorDiv(z, 146097)
	dayOfEra := z - era*146097
	yearOfEra := (dayOfEra - dayOfEra/1460 + dayOfEra/36524 - dayOfEra/146096) / 365
	dayOfYear := dayOfEra - (365*yearOfEra + yearOfEra/4 - yearOfEra/100)
	shiftedMonth := (5*dayOfYear + 2) / 153
	day = int(dayOfYear - (153*shiftedMonth+2)/5 + 1)
	month = int(shiftedMonth+2)%12 + 1
	year = yearOfEra + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// String returns the date as YYYY-MM-DD, with more year digits or a sign
// for years outside 0000 to 9999.
func (d date) String() string {
	year, month, day := d.civil()
	return fmt.Sprintf("%04d-%02d-%02d", year, month, day)
}

// daysSince returns d - earlier in calendar days, limited to the int32
// range of the API's day counts.
func (d date) daysSince(earlier date) int32 {
	days := int64(d) - int64(earlier)
	switch {
	case days > math.MaxInt32:
		return math.MaxInt32
	case days < math.MinInt32:
		return math.MinInt32
	default:
		return int32(days)
	}
}

func daysInMonth(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
