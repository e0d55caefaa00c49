package schedule

import (
	"testing"
	"time"
)

var fuzzZones = []string{
	"UTC",
	"Europe/Berlin",
	"America/New_York",
	"America/Sao_Paulo",   // until 2019 the clocks went back from 00:00 to 23:00
	"Australia/Lord_Howe", // 30-minute daylight saving time shift
	"Pacific/Apia",        // skipped 2011-12-30
	"Pacific/Kiritimati",  // UTC+14
	"Asia/Kathmandu",      // UTC+05:45
}

// FuzzNext checks Next for any instant between 1970 and 2100. The result
// lies after now and within two days, and no refresh instant lies between
// the two. The local clock at the result shows the refresh time, unless the
// result is the end of a gap that skipped it. A nonzero shift moves now to
// that many minutes after the zone's next transition, so that the daylight
// saving time changes get most of the runs.
func FuzzNext(f *testing.F) {
	f.Add(int64(1711846800), uint8(1), uint8(2), uint8(30), int16(0))   // 2024-03-31 01:00 UTC, Berlin gap
	f.Add(int64(1729989000), uint8(1), uint8(2), uint8(30), int16(0))   // 2024-10-27 00:30 UTC, Berlin repeat
	f.Add(int64(1730613600), uint8(2), uint8(1), uint8(30), int16(0))   // 2024-11-03 06:00 UTC, New York repeat
	f.Add(int64(1325188800), uint8(5), uint8(10), uint8(0), int16(0))   // 2011-12-29 20:00 UTC, Apia skip
	f.Add(int64(1550372400), uint8(3), uint8(23), uint8(30), int16(0))  // 2019-02-17 03:00 UTC, Sao Paulo
	f.Add(int64(1700000000), uint8(4), uint8(2), uint8(15), int16(-90)) // 90 minutes before a Lord Howe change
	f.Add(int64(0), uint8(0), uint8(0), uint8(0), int16(0))

	locations := make([]*time.Location, len(fuzzZones))
	for i, zone := range fuzzZones {
		locations[i] = mustLoad(f, zone)
	}

	f.Fuzz(func(t *testing.T, seconds int64, zoneIndex, hour, minute uint8, shift int16) {
		const span = 130 * 365 * 86400 // 1970 to about 2100
		seconds %= span
		if seconds < 0 {
			seconds += span
		}
		now := time.Unix(seconds, int64(minute)*1e6)
		loc := locations[int(zoneIndex)%len(locations)]
		c := Clock{Hour: int(hour) % 24, Minute: int(minute) % 60}
		if shift != 0 {
			if _, end := now.In(loc).ZoneBounds(); !end.IsZero() {
				now = end.Add(time.Duration(shift%(48*60)) * time.Minute)
			}
		}

		next := c.Next(now, loc)
		if !next.After(now) {
			t.Fatalf("Next(%s) = %s, not after now", now.UTC(), next.UTC())
		}
		if next.Sub(now) > 48*time.Hour {
			t.Fatalf("Next(%s) = %s, more than 48 hours ahead", now.UTC(), next.UTC())
		}
		if previous := c.Previous(next, loc); !previous.Equal(next) {
			t.Fatalf("Previous(Next(%s) = %s) = %s, want the same instant", now.UTC(), next.UTC(), previous.UTC())
		}
		if between := c.Previous(next.Add(-time.Nanosecond), loc); between.After(now) {
			t.Fatalf("refresh at %s lies between now %s and Next %s", between.UTC(), now.UTC(), next.UTC())
		}
		if previous := c.Previous(now, loc); previous.After(now) || now.Sub(previous) > 48*time.Hour {
			t.Fatalf("Previous(%s) = %s, want an instant at most 48 hours before", now.UTC(), previous.UTC())
		}

		local := next.In(loc)
		if local.Hour() == c.Hour && local.Minute() == c.Minute && local.Second() == 0 {
			return
		}
		// The refresh time did not exist on that date: the result must be
		// the instant at which the clocks jumped over it.
		start, _ := local.ZoneBounds()
		if !start.Equal(next) {
			t.Fatalf("Next(%s) = %s shows %s, neither %s nor the end of a gap", now.UTC(), next.UTC(), local.Format("15:04:05"), c)
		}
		before := next.Add(-time.Second).In(loc)
		wall := func(t time.Time) int { return t.Hour()*60 + t.Minute() }
		if target := c.Hour*60 + c.Minute; before.YearDay() == local.YearDay() && (wall(before) >= target || wall(local) <= target) {
			t.Fatalf("Next(%s) = %s: the clock jumped from %s to %s, which does not skip %s", now.UTC(), next.UTC(), before.Format("15:04:05"), local.Format("15:04:05"), c)
		}
	})
}

// FuzzJitter checks that Jitter stays in [0, max) and is deterministic.
func FuzzJitter(f *testing.F) {
	f.Add("0b1f6c1e-4c2b-4d8e-9a1d-3f2e7c9b5a10", int64(5*time.Minute))
	f.Add("", int64(1))
	f.Add("x", int64(-1))

	f.Fuzz(func(t *testing.T, key string, maxNanoseconds int64) {
		maxJitter := time.Duration(maxNanoseconds)
		got := Jitter(key, maxJitter)
		if maxJitter <= 0 {
			if got != 0 {
				t.Fatalf("Jitter(%q, %v) = %v, want 0", key, maxJitter, got)
			}
			return
		}
		if got < 0 || got >= maxJitter {
			t.Fatalf("Jitter(%q, %v) = %v, want a value in [0, %v)", key, maxJitter, got, maxJitter)
		}
		if again := Jitter(key, maxJitter); again != got {
			t.Fatalf("Jitter(%q, %v) gave %v and then %v", key, maxJitter, got, again)
		}
	})
}
