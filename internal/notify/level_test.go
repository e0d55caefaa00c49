package notify

import "testing"

func TestShouldNotify(t *testing.T) {
	both := []Direction{DirectionIncrease, DirectionDecrease}
	increase := []Direction{DirectionIncrease}
	decrease := []Direction{DirectionDecrease}

	tests := []struct {
		name     string
		notifyOn []Direction
		previous Level
		next     Level
		want     bool
	}{
		{"first level of new order", both, "", LevelLow, true},
		{"first level High at once", increase, "", LevelHigh, true},
		{"new order at None", both, "", LevelNone, false},
		{"rise with both", both, LevelLow, LevelMedium, true},
		{"fall with both", both, LevelHigh, LevelLow, true},
		{"rise with Increase only", increase, LevelMedium, LevelHigh, true},
		{"fall with Increase only", increase, LevelHigh, LevelMedium, false},
		{"fall with Decrease only", decrease, LevelHigh, LevelNone, true},
		{"rise with Decrease only", decrease, LevelNone, LevelLow, false},
		{"fall to None from empty", decrease, "", LevelNone, false},
		{"unchanged level", both, LevelMedium, LevelMedium, false},
		{"empty notifyOn means both, rise", nil, LevelLow, LevelHigh, true},
		{"empty notifyOn means both, fall", nil, LevelHigh, LevelLow, true},
		{"unknown next level", both, LevelLow, "Critical", false},
		{"unknown previous level", both, "Critical", LevelLow, false},
		{"level names are case sensitive", both, LevelLow, "high", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShouldNotify(tt.notifyOn, tt.previous, tt.next); got != tt.want {
				t.Errorf("ShouldNotify(%v, %q, %q) = %v, expected %v", tt.notifyOn, tt.previous, tt.next, got, tt.want)
			}
		})
	}
}

func TestLevelValid(t *testing.T) {
	for _, l := range []Level{LevelNone, LevelLow, LevelMedium, LevelHigh} {
		if !l.Valid() {
			t.Errorf("%q.Valid() = false, expected true", l)
		}
	}
	for _, l := range []Level{"", "none", "Critical"} {
		if l.Valid() {
			t.Errorf("%q.Valid() = true, expected false", l)
		}
	}
}
