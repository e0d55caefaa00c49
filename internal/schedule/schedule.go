// Package schedule finds the instants of a daily refresh at a local time of
// day in an IANA time zone, and spreads them with a per-object jitter.
//
// The refresh time is a wall-clock time such as "06:30" on every calendar
// day of the zone. Days with a daylight saving time change last 23 or 25
// hours, so the next refresh is found by calendar arithmetic on the local
// date, never by adding 24 hours. Two local times need a rule:
//
//   - A time that does not exist because the clocks jump forward (02:30 on
//     the last Sunday of March in Europe/Berlin) resolves to the first
//     instant after the gap, which the local clock shows as 03:00.
//   - A time that occurs twice because the clocks go back (01:30 on the first
//     Sunday of November in America/New_York) resolves to its first
//     occurrence only, so the refresh still runs once that day.
package schedule

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"time"
)

// Clock is a local time of day with minute precision. The zero value is
// midnight, "00:00".
type Clock struct {
	Hour   int // 0 to 23
	Minute int // 0 to 59
}

// ParseClock parses a time of day written as HH:MM on a 24-hour clock, such
// as "00:00", "06:30" or "23:59". Both fields have exactly two digits.
func ParseClock(s string) (Clock, error) {
	if len(s) != 5 || s[2] != ':' || !isDigits(s[0:2]) || !isDigits(s[3:5]) {
		return Clock{}, fmt.Errorf("invalid time of day %q: write HH:MM on a 24-hour clock, such as %q", s, "06:30")
	}

	c := Clock{
		Hour:   int(s[0]-'0')*10 + int(s[1]-'0'),
		Minute: int(s[3]-'0')*10 + int(s[4]-'0'),
	}
	if c.Hour > 23 {
		return Clock{}, fmt.Errorf("invalid time of day %q: the hour must be 00 to 23", s)
	}
	if c.Minute > 59 {
		return Clock{}, fmt.Errorf("invalid time of day %q: the minute must be 00 to 59", s)
	}
	return c, nil
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns the time of day as HH:MM.
func (c Clock) String() string {
	return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute)
}

func (c Clock) valid() bool {
	return c.Hour >= 0 && c.Hour <= 23 && c.Minute >= 0 && c.Minute <= 59
}

// Next returns the first instant strictly after now at which the local clock
// in loc shows refreshTime (HH:MM), with the gap and overlap rules of the
// package documentation. The result is in loc.
func Next(now time.Time, loc *time.Location, refreshTime string) (time.Time, error) {
	if loc == nil {
		return time.Time{}, errors.New("time zone is nil: pass the location of the policy's time zone")
	}
	c, err := ParseClock(refreshTime)
	if err != nil {
		return time.Time{}, err
	}
	return c.Next(now, loc), nil
}

// Next returns the first refresh instant strictly after now, in loc.
// loc must not be nil, and the clock fields must be in range (ParseClock
// guarantees both fields are). Next panics otherwise.
func (c Clock) Next(now time.Time, loc *time.Location) time.Time {
	c.mustBeValid()
	year, month, day := now.In(loc).Date()

	// The refresh on the local date of now may still lie ahead, or may have
	// passed. Dates from the day before to three days after cover zones whose
	// local date goes back across midnight for an hour, and a day skipped
	// whole (Pacific/Apia on 2011-12-30).
	var next time.Time
	for offset := -1; offset <= 3; offset++ {
		t := c.on(year, month, day+offset, loc)
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// Previous returns the last refresh instant at or before now, in loc. A
// controller uses it to tell whether the refresh of the current day has run.
// It panics on a nil loc or an out-of-range Clock, like Next.
func (c Clock) Previous(now time.Time, loc *time.Location) time.Time {
	c.mustBeValid()
	year, month, day := now.In(loc).Date()

	var previous time.Time
	for offset := -3; offset <= 1; offset++ {
		t := c.on(year, month, day+offset, loc)
		if !t.After(now) && (previous.IsZero() || t.After(previous)) {
			previous = t
		}
	}
	return previous
}

func (c Clock) mustBeValid() {
	if !c.valid() {
		panic(fmt.Sprintf("schedule: clock %02d:%02d is out of range", c.Hour, c.Minute))
	}
}

// on returns the instant at which the local clock in loc shows c on the given
// date (day may overflow the month, as with time.Date). A time in a gap
// resolves to the end of the gap and a repeated time to its first
// occurrence.
//
// time.Date leaves the choice open in both cases, so on walks the zone
// periods around the date itself. Offsets lie within about 26 hours of UTC,
// so every period that can contain the local time starts or ends within two
// days of the local time read as if it were UTC.
func (c Clock) on(year int, month time.Month, day int, loc *time.Location) time.Time {
	wall := time.Date(year, month, day, c.Hour, c.Minute, 0, 0, time.UTC).Unix()
	windowEnd := wall + 2*86400

	var (
		first     int64
		found     bool
		gapEnd    int64
		inGap     bool
		period    = time.Unix(wall-2*86400, 0).In(loc)
		havePrior bool
		prior     int // offset of the period before this one, in seconds
	)
	for {
		_, offset := period.Zone()
		start, end := zoneBounds(period)

		// The local time exists in this period if the instant that shows it
		// under this period's offset lies inside the period.
		if candidate := wall - int64(offset); candidate >= start && candidate < end {
			if !found || candidate < first {
				first, found = candidate, true
			}
		}

		// The clocks jumped over the local time at the start of this period
		// if the wall clock read before the time just before the jump and
		// after it from the jump on.
		if havePrior && start+int64(prior) <= wall && wall < start+int64(offset) {
			gapEnd, inGap = start, true
		}

		if end == math.MaxInt64 || end >= windowEnd {
			break
		}
		prior, havePrior = offset, true
		period = time.Unix(end, 0).In(loc)
	}

	switch {
	case found:
		return time.Unix(first, 0).In(loc)
	case inGap:
		return time.Unix(gapEnd, 0).In(loc)
	default:
		// Unreachable for a valid zone: the local time either exists or
		// falls into a gap within the window walked above.
		return time.Date(year, month, day, c.Hour, c.Minute, 0, 0, loc)
	}
}

// zoneBounds returns the bounds of the zone period in effect at t in Unix
// seconds, with math.MinInt64 and math.MaxInt64 for periods without a start
// or an end.
func zoneBounds(t time.Time) (start, end int64) {
	startTime, endTime := t.ZoneBounds()
	start, end = math.MinInt64, math.MaxInt64
	if !startTime.IsZero() {
		start = startTime.Unix()
	}
	if !endTime.IsZero() {
		end = endTime.Unix()
	}
	return start, end
}

// Jitter returns a delay in [0, maxJitter) derived from key, such as an
// object's UID, to spread the refreshes of many objects that share a refresh
// time. The same key always gives the same delay, across restarts, replicas
// and architectures, because it is the 64-bit FNV-1a hash of key modulo
// maxJitter in nanoseconds. A maxJitter of zero or less gives zero.
func Jitter(key string, maxJitter time.Duration) time.Duration {
	if maxJitter <= 0 {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(key)) // hash.Hash.Write never returns an error
	return time.Duration(h.Sum64() % uint64(maxJitter))
}
