package schedule

import (
	"strings"
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func mustTime(t testing.TB, value string) time.Time {
	t.Helper()
	parsed, err := time.Parse(time.RFC3339, value)
	if err != nil {
		t.Fatalf("time.Parse(%q): %v", value, err)
	}
	return parsed
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    Clock
		wantErr string
	}{
		{name: "midnight", input: "00:00", want: Clock{}},
		{name: "morning", input: "06:30", want: Clock{Hour: 6, Minute: 30}},
		{name: "last_minute", input: "23:59", want: Clock{Hour: 23, Minute: 59}},
		{name: "empty", input: "", wantErr: `invalid time of day "": write HH:MM`},
		{name: "one_digit_hour", input: "6:30", wantErr: `invalid time of day "6:30": write HH:MM`},
		{name: "seconds", input: "06:30:00", wantErr: `invalid time of day "06:30:00"`},
		{name: "hour_24", input: "24:00", wantErr: "the hour must be 00 to 23"},
		{name: "minute_60", input: "12:60", wantErr: "the minute must be 00 to 59"},
		{name: "dot_separator", input: "06.30", wantErr: "write HH:MM"},
		{name: "sign", input: "-1:30", wantErr: "write HH:MM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseClock(tt.input)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseClock(%q) = %v, want error containing %q", tt.input, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseClock(%q) error = %q, want it to contain %q", tt.input, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseClock(%q) error = %v", tt.input, err)
			}
			if got != tt.want {
				t.Errorf("ParseClock(%q) = %+v, want %+v", tt.input, got, tt.want)
			}
			if got.String() != tt.input {
				t.Errorf("String() = %q, want %q", got.String(), tt.input)
			}
		})
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		name      string
		zone      string
		clock     string
		now       string // RFC 3339
		want      string // RFC 3339 in UTC
		wantLocal string // local wall clock of the result
		wantGap   time.Duration
	}{
		{name: "later_today", zone: "UTC", clock: "06:30", now: "2024-05-10T05:00:00Z", want: "2024-05-10T06:30:00Z", wantLocal: "2024-05-10 06:30"},
		{name: "exactly_now_is_tomorrow", zone: "UTC", clock: "06:30", now: "2024-05-10T06:30:00Z", want: "2024-05-11T06:30:00Z", wantLocal: "2024-05-11 06:30"},
		{name: "just_after_is_tomorrow", zone: "UTC", clock: "06:30", now: "2024-05-10T06:30:00.000000001Z", want: "2024-05-11T06:30:00Z", wantLocal: "2024-05-11 06:30"},
		{name: "midnight_default", zone: "UTC", clock: "00:00", now: "2024-02-28T23:59:00Z", want: "2024-02-29T00:00:00Z", wantLocal: "2024-02-29 00:00"},

		{name: "zone_ahead_local_date_later", zone: "Asia/Tokyo", clock: "06:00", now: "2024-05-10T20:00:00Z", want: "2024-05-10T21:00:00Z", wantLocal: "2024-05-11 06:00"},
		{name: "zone_behind_local_date_earlier", zone: "America/Los_Angeles", clock: "23:00", now: "2024-05-11T03:00:00Z", want: "2024-05-11T06:00:00Z", wantLocal: "2024-05-10 23:00"},

		// Europe/Berlin moves from 02:00 CET to 03:00 CEST on 2024-03-31, a
		// day of 23 hours, and from 03:00 CEST back to 02:00 CET on
		// 2024-10-27, a day of 25 hours.
		{name: "berlin_23_hour_day", zone: "Europe/Berlin", clock: "06:00", now: "2024-03-30T05:00:00Z", want: "2024-03-31T04:00:00Z", wantLocal: "2024-03-31 06:00", wantGap: 23 * time.Hour},
		{name: "berlin_gap_resolves_to_0300", zone: "Europe/Berlin", clock: "02:30", now: "2024-03-30T23:00:00Z", want: "2024-03-31T01:00:00Z", wantLocal: "2024-03-31 03:00"},
		{name: "berlin_day_after_gap", zone: "Europe/Berlin", clock: "02:30", now: "2024-03-31T01:00:00Z", want: "2024-04-01T00:30:00Z", wantLocal: "2024-04-01 02:30"},
		{name: "berlin_25_hour_day", zone: "Europe/Berlin", clock: "06:00", now: "2024-10-26T04:00:00Z", want: "2024-10-27T05:00:00Z", wantLocal: "2024-10-27 06:00", wantGap: 25 * time.Hour},
		{name: "berlin_repeat_first_occurrence", zone: "Europe/Berlin", clock: "02:30", now: "2024-10-26T22:00:00Z", want: "2024-10-27T00:30:00Z", wantLocal: "2024-10-27 02:30"},
		{name: "berlin_between_occurrences", zone: "Europe/Berlin", clock: "02:30", now: "2024-10-27T00:45:00Z", want: "2024-10-28T01:30:00Z", wantLocal: "2024-10-28 02:30"},

		// America/New_York moves from 02:00 EST to 03:00 EDT on 2024-03-10
		// and from 02:00 EDT back to 01:00 EST on 2024-11-03.
		{name: "new_york_23_hour_day", zone: "America/New_York", clock: "00:00", now: "2024-03-10T05:00:00Z", want: "2024-03-11T04:00:00Z", wantLocal: "2024-03-11 00:00", wantGap: 23 * time.Hour},
		{name: "new_york_gap_resolves_to_0300", zone: "America/New_York", clock: "02:30", now: "2024-03-10T05:00:00Z", want: "2024-03-10T07:00:00Z", wantLocal: "2024-03-10 03:00"},
		{name: "new_york_25_hour_day", zone: "America/New_York", clock: "00:00", now: "2024-11-03T04:00:00Z", want: "2024-11-04T05:00:00Z", wantLocal: "2024-11-04 00:00", wantGap: 25 * time.Hour},
		{name: "new_york_repeat_first_occurrence", zone: "America/New_York", clock: "01:30", now: "2024-11-03T04:00:00Z", want: "2024-11-03T05:30:00Z", wantLocal: "2024-11-03 01:30"},
		{name: "new_york_between_occurrences", zone: "America/New_York", clock: "01:30", now: "2024-11-03T06:00:00Z", want: "2024-11-04T06:30:00Z", wantLocal: "2024-11-04 01:30"},

		// Pacific/Apia skipped 2011-12-30 whole: 23:59:59 on the 29th at
		// UTC-10 was followed by 00:00 on the 31st at UTC+14.
		{name: "apia_skipped_day", zone: "Pacific/Apia", clock: "10:00", now: "2011-12-29T20:00:00Z", want: "2011-12-30T10:00:00Z", wantLocal: "2011-12-31 00:00"},
		{name: "apia_after_skipped_day", zone: "Pacific/Apia", clock: "10:00", now: "2011-12-30T10:00:00Z", want: "2011-12-30T20:00:00Z", wantLocal: "2011-12-31 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			now := mustTime(t, tt.now)

			got, err := Next(now, loc, tt.clock)
			if err != nil {
				t.Fatalf("Next error = %v", err)
			}
			want := mustTime(t, tt.want)
			if !got.Equal(want) {
				t.Errorf("Next(%s) = %s, want %s", tt.now, got.UTC().Format(time.RFC3339), tt.want)
			}
			if got.Location() != loc {
				t.Errorf("Next returned a time in %v, want %v", got.Location(), loc)
			}
			if local := got.Format("2006-01-02 15:04"); local != tt.wantLocal {
				t.Errorf("local clock of the result = %q, want %q", local, tt.wantLocal)
			}
			if tt.wantGap != 0 {
				if gap := got.Sub(now); gap != tt.wantGap {
					t.Errorf("time until the next refresh = %v, want %v", gap, tt.wantGap)
				}
			}
		})
	}
}

func TestPrevious(t *testing.T) {
	tests := []struct {
		name  string
		zone  string
		clock string
		now   string
		want  string
	}{
		{name: "earlier_today", zone: "UTC", clock: "06:30", now: "2024-05-10T08:00:00Z", want: "2024-05-10T06:30:00Z"},
		{name: "exactly_now", zone: "UTC", clock: "06:30", now: "2024-05-10T06:30:00Z", want: "2024-05-10T06:30:00Z"},
		{name: "yesterday", zone: "UTC", clock: "06:30", now: "2024-05-10T06:00:00Z", want: "2024-05-09T06:30:00Z"},
		{name: "berlin_gap", zone: "Europe/Berlin", clock: "02:30", now: "2024-03-31T10:00:00Z", want: "2024-03-31T01:00:00Z"},
		{name: "berlin_after_second_occurrence", zone: "Europe/Berlin", clock: "02:30", now: "2024-10-27T02:00:00Z", want: "2024-10-27T00:30:00Z"},
		{name: "new_york_local_date_behind", zone: "America/New_York", clock: "22:00", now: "2024-05-11T03:00:00Z", want: "2024-05-11T02:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseClock(tt.clock)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Previous(mustTime(t, tt.now), mustLoad(t, tt.zone))
			if want := mustTime(t, tt.want); !got.Equal(want) {
				t.Errorf("Previous(%s) = %s, want %s", tt.now, got.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestNextErrors(t *testing.T) {
	now := mustTime(t, "2024-05-10T05:00:00Z")

	if _, err := Next(now, nil, "06:30"); err == nil || !strings.Contains(err.Error(), "time zone is nil") {
		t.Errorf("Next with a nil location: error = %v, want one that names the nil time zone", err)
	}
	if _, err := Next(now, time.UTC, "6:30"); err == nil || !strings.Contains(err.Error(), `invalid time of day "6:30"`) {
		t.Errorf("Next with a bad refresh time: error = %v, want one that names the value", err)
	}
}

func TestClockNextPanicsOutOfRange(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Next on Clock{Hour: 24} did not panic")
		}
	}()
	Clock{Hour: 24}.Next(time.Now(), time.UTC)
}

func TestNextDailyForAYear(t *testing.T) {
	// Walking Next from refresh to refresh through 2024 must hit every local
	// date once, including both daylight saving time changes, and never
	// shift the local clock except on the gap day.
	for _, zone := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe"} {
		t.Run(strings.ReplaceAll(zone, "/", "_"), func(t *testing.T) {
			loc := mustLoad(t, zone)
			c := Clock{Hour: 2, Minute: 30}
			now := time.Date(2023, 12, 31, 12, 0, 0, 0, loc)
			wantDate := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			for range 366 {
				next := c.Next(now, loc)
				y, m, d := next.Date()
				if gotDate := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); !gotDate.Equal(wantDate) {
					t.Fatalf("after %s the next refresh is on %s, want %s", now, next, wantDate.Format(time.DateOnly))
				}
				if next.Hour() != 2 || next.Minute() != 30 {
					// 02:30 does not exist on the day the clocks go
					// forward, and the refresh then runs when the gap ends.
					if start, _ := next.ZoneBounds(); !start.Equal(next) {
						t.Errorf("refresh at %s shows neither 02:30 nor the end of a gap", next)
					}
				}
				now = next
				wantDate = wantDate.AddDate(0, 0, 1)
			}
		})
	}
}

func TestJitter(t *testing.T) {
	const maxJitter = 5 * time.Minute

	t.Run("same_key_same_delay", func(t *testing.T) {
		first := Jitter("0b1f6c1e-4c2b-4d8e-9a1d-3f2e7c9b5a10", maxJitter)
		second := Jitter("0b1f6c1e-4c2b-4d8e-9a1d-3f2e7c9b5a10", maxJitter)
		if first != second {
			t.Errorf("Jitter is not deterministic: %v then %v", first, second)
		}
	})

	t.Run("stable_across_releases", func(t *testing.T) {
		// FNV-1a of the empty string is the offset basis 0xcbf29ce484222325,
		// and 14695981039346656037 mod 300000000000 is 139346656037.
		if got, want := Jitter("", maxJitter), time.Duration(139346656037); got != want {
			t.Errorf("Jitter(\"\") = %v, want %v", got, want)
		}
	})

	t.Run("bounded_and_spread", func(t *testing.T) {
		var buckets [5]int
		for i := range 1000 {
			j := Jitter("uid-"+time.Duration(i).String(), maxJitter)
			if j < 0 || j >= maxJitter {
				t.Fatalf("Jitter = %v, want a value in [0, %v)", j, maxJitter)
			}
			buckets[j/time.Minute]++
		}
		for minute, count := range buckets {
			// 1000 keys over 5 buckets give about 200 each; a bucket with
			// fewer than 100 means the delays are not spread.
			if count < 100 {
				t.Errorf("minute %d got %d of 1000 delays, want about 200", minute, count)
			}
		}
	})

	t.Run("zero_or_negative_max", func(t *testing.T) {
		if got := Jitter("uid", 0); got != 0 {
			t.Errorf("Jitter(uid, 0) = %v, want 0", got)
		}
		if got := Jitter("uid", -time.Second); got != 0 {
			t.Errorf("Jitter(uid, -1s) = %v, want 0", got)
		}
	})
}
