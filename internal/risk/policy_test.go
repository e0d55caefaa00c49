package risk

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestValidatePolicy(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Policy)
		want   []Problem
	}{
		{name: "valid", change: func(*Policy) {}},
		{name: "empty_zone_is_utc", change: func(p *Policy) { p.TimeZone = "" }},
		{name: "empty_refresh_time_is_midnight", change: func(p *Policy) { p.RefreshTime = "" }},
		{
			name:   "unknown_zone",
			change: func(p *Policy) { p.TimeZone = "Mars/Olympus_Mons" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.timeZone", Value: "Mars/Olympus_Mons", Reason: ReasonInvalidTimeZone,
				Message: `spec.timeZone: time zone "Mars/Olympus_Mons" cannot be loaded: unknown time zone Mars/Olympus_Mons. Use an IANA name such as "Europe/Berlin" or "UTC".`,
			}},
		},
		{
			name:   "local_zone",
			change: func(p *Policy) { p.TimeZone = "Local" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.timeZone", Value: "Local", Reason: ReasonInvalidTimeZone,
				Message: `spec.timeZone: time zone "Local" is the server's zone. Use an IANA name such as "Europe/Berlin" or "UTC".`,
			}},
		},
		{
			name:   "unknown_currency",
			change: func(p *Policy) { p.Currency = "EURO" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.currency", Value: "EURO", Reason: ReasonInvalidCurrency,
				Message: `spec.currency: invalid currency code "EURO": use three upper-case letters such as "EUR".`,
			}},
		},
		{
			name:   "bad_refresh_time",
			change: func(p *Policy) { p.RefreshTime = "25:00" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.refreshTime", Value: "25:00", Reason: ReasonInvalidRefreshTime,
				Message: `spec.refreshTime: invalid time of day "25:00": the hour must be 00 to 23.`,
			}},
		},
		{
			name:   "no_tiers",
			change: func(p *Policy) { p.Tiers = nil },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers", Value: "", Reason: ReasonInvalidTiers,
				Message: `spec.tiers is empty. Define at least one tier, the first with minAmount "0".`,
			}},
		},
		{
			name: "too_many_tiers",
			change: func(p *Policy) {
				p.Tiers = nil
				for i := range MaxTiers + 1 {
					p.Tiers = append(p.Tiers, Tier{Name: "t" + string(rune('a'+i)), MinAmount: tierAmount(i), Low: 1, Medium: 2, High: 3})
				}
			},
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers", Value: "21", Reason: ReasonInvalidTiers,
				Message: `spec.tiers has 21 tiers, more than the maximum of 20. Merge tiers.`,
			}},
		},
		{
			name:   "first_tier_not_zero",
			change: func(p *Policy) { p.Tiers[0].MinAmount = "100.00" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[0].minAmount", Value: "100.00", Reason: ReasonInvalidTiers,
				Message: `spec.tiers[0].minAmount is "100.00" and must be "0", so that every order falls into a tier.`,
			}},
		},
		{
			name:   "tiers_not_ascending",
			change: func(p *Policy) { p.Tiers[1].MinAmount = "0.00" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[1].minAmount", Value: "0.00", Reason: ReasonInvalidTiers,
				Message: `spec.tiers[1].minAmount is "0.00", not greater than spec.tiers[0].minAmount "0". List the tiers by strictly ascending minAmount.`,
			}},
		},
		{
			name:   "min_amount_wrong_precision",
			change: func(p *Policy) { p.Tiers[1].MinAmount = "10000.001" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[1].minAmount", Value: "10000.001", Reason: ReasonInvalidTiers,
				Message: `spec.tiers[1].minAmount: invalid amount "10000.001": EUR allows at most 2 fraction digits.`,
			}},
		},
		{
			name:   "min_amount_negative",
			change: func(p *Policy) { p.Tiers[1].MinAmount = "-5" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[1].minAmount", Value: "-5", Reason: ReasonInvalidTiers,
				Message: `spec.tiers[1].minAmount: invalid amount "-5": must not be negative.`,
			}},
		},
		{
			name:   "duplicate_tier_name",
			change: func(p *Policy) { p.Tiers[1].Name = "small" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[1].name", Value: "small", Reason: ReasonInvalidTiers,
				Message: `spec.tiers[1].name "small" is also the name of spec.tiers[0]. Give every tier its own name.`,
			}},
		},
		{
			name:   "tier_name_not_dns_label",
			change: func(p *Policy) { p.Tiers[1].Name = "Large Customers" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[1].name", Value: "Large Customers", Reason: ReasonInvalidTiers,
				Message: `spec.tiers[1].name "Large Customers" is not a DNS label. Use at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit, such as "large".`,
			}},
		},
		{
			name:   "tier_name_empty",
			change: func(p *Policy) { p.Tiers[0].Name = "" },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[0].name", Value: "", Reason: ReasonInvalidTiers,
				Message: `spec.tiers[0].name is empty. Give every tier a name that is a DNS label, such as "large".`,
			}},
		},
		{
			name:   "low_below_one",
			change: func(p *Policy) { p.Tiers[0].Low = 0 },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[0].riskDays.low", Value: "0", Reason: ReasonInvalidTiers,
				Message: `spec.tiers[0].riskDays.low is 0 and must be at least 1.`,
			}},
		},
		{
			name:   "medium_not_above_low",
			change: func(p *Policy) { p.Tiers[0].Medium = 30 },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[0].riskDays.medium", Value: "30", Reason: ReasonInvalidTiers,
				Message: `spec.tiers[0].riskDays.medium is 30 and must be greater than riskDays.low, 30.`,
			}},
		},
		{
			name:   "high_not_above_medium",
			change: func(p *Policy) { p.Tiers[1].High = 15 },
			want: []Problem{{
				Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[1].riskDays.high", Value: "15", Reason: ReasonInvalidTiers,
				Message: `spec.tiers[1].riskDays.high is 15 and must be greater than riskDays.medium, 20.`,
			}},
		},
		{
			name: "several_problems_reported_together",
			change: func(p *Policy) {
				p.TimeZone = "Nowhere"
				p.Tiers[1].MinAmount = "abc"
			},
			want: []Problem{
				{
					Kind: KindCollectionPolicy, Name: "default", Field: "spec.timeZone", Value: "Nowhere", Reason: ReasonInvalidTimeZone,
					Message: `spec.timeZone: time zone "Nowhere" cannot be loaded: unknown time zone Nowhere. Use an IANA name such as "Europe/Berlin" or "UTC".`,
				},
				{
					Kind: KindCollectionPolicy, Name: "default", Field: "spec.tiers[1].minAmount", Value: "abc", Reason: ReasonInvalidTiers,
					Message: `spec.tiers[1].minAmount: invalid amount "abc": unexpected character 'a'. Write a plain decimal such as "12500.00".`,
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := testPolicy()
			tt.change(&policy)

			got := ValidatePolicy(policy)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("ValidatePolicy mismatch (-want +got):\n%s", diff)
			}

			compiled, err := CompilePolicy(policy)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("CompilePolicy error = %v", err)
				}
				if compiled == nil {
					t.Fatal("CompilePolicy returned nil without an error")
				}
				return
			}
			var policyErr *PolicyError
			if !errors.As(err, &policyErr) {
				t.Fatalf("CompilePolicy error = %v, want a *PolicyError", err)
			}
			if compiled != nil {
				t.Error("CompilePolicy returned a policy with an error")
			}
			if diff := cmp.Diff(tt.want, policyErr.Problems); diff != "" {
				t.Errorf("PolicyError.Problems mismatch (-want +got):\n%s", diff)
			}
			if policyErr.Reason() != tt.want[0].Reason {
				t.Errorf("PolicyError.Reason() = %q, want %q", policyErr.Reason(), tt.want[0].Reason)
			}
		})
	}
}

func tierAmount(i int) string {
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

func TestEvaluateUnusablePolicy(t *testing.T) {
	policy := testPolicy()
	policy.TimeZone = "Europe/Atlantis"

	result, err := Evaluate(policy, testOrder, []Invoice{posted("inv-1", "2024-05-16", "100.00")}, testNow)
	var policyErr *PolicyError
	if !errors.As(err, &policyErr) {
		t.Fatalf("Evaluate error = %v, want a *PolicyError", err)
	}
	if policyErr.Reason() != ReasonInvalidTimeZone {
		t.Errorf("Reason() = %q, want %q", policyErr.Reason(), ReasonInvalidTimeZone)
	}
	wantPrefix := `collection policy default is not usable: spec.timeZone: time zone "Europe/Atlantis" cannot be loaded`
	if !strings.HasPrefix(err.Error(), wantPrefix) {
		t.Errorf("error = %q, want it to start with %q", err, wantPrefix)
	}
	if diff := cmp.Diff(Result{}, result); diff != "" {
		t.Errorf("Evaluate returned a result with the error (-want +got):\n%s", diff)
	}

	policy.Name = ""
	_, err = Evaluate(policy, testOrder, nil, testNow)
	if err == nil || !strings.HasPrefix(err.Error(), "the collection policy is not usable: ") {
		t.Errorf("error without a policy name = %v, want it to start with %q", err, "the collection policy is not usable: ")
	}
}

func TestCompiledPolicyAccessors(t *testing.T) {
	policy := testPolicy()
	policy.TimeZone = "Europe/Berlin"
	policy.RefreshTime = "06:30"
	compiled, err := CompilePolicy(policy)
	if err != nil {
		t.Fatal(err)
	}
	if got := compiled.Currency().Code(); got != "EUR" {
		t.Errorf("Currency() = %q, want EUR", got)
	}
	if got := compiled.Location().String(); got != "Europe/Berlin" {
		t.Errorf("Location() = %q, want Europe/Berlin", got)
	}
	if got := compiled.RefreshTime().String(); got != "06:30" {
		t.Errorf("RefreshTime() = %q, want 06:30", got)
	}

	policy.RefreshTime = ""
	compiled, err = CompilePolicy(policy)
	if err != nil {
		t.Fatal(err)
	}
	if got := compiled.RefreshTime().String(); got != "00:00" {
		t.Errorf("RefreshTime() with an empty refresh time = %q, want 00:00", got)
	}
}

func TestLoadTimeZone(t *testing.T) {
	loc, err := LoadTimeZone("")
	if err != nil || loc != time.UTC {
		t.Errorf("LoadTimeZone(\"\") = %v, %v, want UTC", loc, err)
	}

	first, err := LoadTimeZone("America/New_York")
	if err != nil {
		t.Fatalf("LoadTimeZone(America/New_York) error = %v", err)
	}
	second, err := LoadTimeZone("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Error("LoadTimeZone loaded America/New_York twice instead of using the cache")
	}

	for _, name := range []string{"Local", "Nowhere/City", "../etc/passwd", "/etc/localtime"} {
		if loc, err := LoadTimeZone(name); err == nil {
			t.Errorf("LoadTimeZone(%q) = %v, want an error", name, loc)
		}
	}
}

func TestRiskLevelRank(t *testing.T) {
	levels := []RiskLevel{LevelNone, LevelLow, LevelMedium, LevelHigh}
	for i, level := range levels {
		if level.Rank() != i {
			t.Errorf("%s.Rank() = %d, want %d", level, level.Rank(), i)
		}
	}
	if got := RiskLevel("").Rank(); got != 0 {
		t.Errorf("empty level Rank() = %d, want 0", got)
	}
}
