package risk

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		input   string
		wantErr string
	}{
		{input: "2024-02-29"},
		{input: "2000-02-29"},
		{input: "0000-01-01"},
		{input: "9999-12-31"},
		{input: "1970-01-01"},
		{input: "1900-02-29", wantErr: `invalid date "1900-02-29": 1900-02 has days 01 to 28`},
		{input: "2023-02-29", wantErr: `invalid date "2023-02-29": 2023-02 has days 01 to 28`},
		{input: "2024-04-31", wantErr: `invalid date "2024-04-31": 2024-04 has days 01 to 30`},
		{input: "2024-00-10", wantErr: `invalid date "2024-00-10": the month must be 01 to 12`},
		{input: "2024-01-00", wantErr: `invalid date "2024-01-00": 2024-01 has days 01 to 31`},
		{input: "2024-1-10", wantErr: `invalid date "2024-1-10": write YYYY-MM-DD`},
		{input: "2024-01-10T00:00:00Z", wantErr: "write YYYY-MM-DD"},
		{input: "", wantErr: "write YYYY-MM-DD"},
		{input: "+024-01-10", wantErr: "write YYYY-MM-DD"},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			got, err := parseDate(tt.input)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("parseDate(%q) = %v, want an error", tt.input, got)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseDate(%q) error = %q, want it to contain %q", tt.input, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDate(%q) error = %v", tt.input, err)
			}
			if got.String() != tt.input {
				t.Errorf("parseDate(%q).String() = %q", tt.input, got.String())
			}
		})
	}
}

// TestDateMatchesTimePackage checks the day numbers against Unix days from
// the time package for every day from 1600 to 2400.
func TestDateMatchesTimePackage(t *testing.T) {
	day := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2400, 12, 31, 0, 0, 0, 0, time.UTC)
	for ; !day.After(end); day = day.AddDate(0, 0, 1) {
		want := date(day.Unix() / 86400)
		got := dateOf(day)
		if got != want {
			t.Fatalf("dateOf(%s) = %d, want %d", day.Format(time.DateOnly), got, want)
		}
		if s := got.String(); s != day.Format(time.DateOnly) {
			t.Fatalf("date(%d).String() = %q, want %q", got, s, day.Format(time.DateOnly))
		}
	}
}

func TestDaysSince(t *testing.T) {
	tests := []struct {
		name    string
		later   string
		earlier string
		want    int32
	}{
		{name: "same_day", later: "2024-06-15", earlier: "2024-06-15", want: 0},
		{name: "one_day", later: "2024-06-15", earlier: "2024-06-14", want: 1},
		{name: "across_leap_day", later: "2024-03-01", earlier: "2024-02-28", want: 2},
		{name: "across_common_february", later: "2023-03-01", earlier: "2023-02-28", want: 1},
		{name: "across_year", later: "2025-01-01", earlier: "2024-12-31", want: 1},
		{name: "leap_year_length", later: "2025-01-01", earlier: "2024-01-01", want: 366},
		{name: "negative", later: "2024-06-14", earlier: "2024-06-15", want: -1},
		{name: "whole_range", later: "9999-12-31", earlier: "0000-01-01", want: 3652424},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			later, err := parseDate(tt.later)
			if err != nil {
				t.Fatal(err)
			}
			earlier, err := parseDate(tt.earlier)
			if err != nil {
				t.Fatal(err)
			}
			if got := later.daysSince(earlier); got != tt.want {
				t.Errorf("%s - %s = %d days, want %d", tt.later, tt.earlier, got, tt.want)
			}
		})
	}
}
