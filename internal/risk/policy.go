package risk

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	// The zone database is embedded so that every IANA zone loads even in a
	// container image without /usr/share/zoneinfo. A system database, where
	// present, takes precedence.
	_ "time/tzdata"

	"github.com/overdue-dev/overdue-operator/internal/money"
	"github.com/overdue-dev/overdue-operator/internal/schedule"
)

// MaxTiers is the maximum number of tiers in a policy.
const MaxTiers = 20

// CompiledPolicy is a validated policy, ready to evaluate many orders. It is
// immutable and safe for concurrent use.
type CompiledPolicy struct {
	name        string
	currency    money.Currency
	location    *time.Location
	refreshTime schedule.Clock
	tiers       []compiledTier
}

type compiledTier struct {
	name              string
	minAmount         money.Amount
	low, medium, high int32
}

// Currency returns the policy's currency.
func (p *CompiledPolicy) Currency() money.Currency { return p.currency }

// Location returns the policy's time zone.
func (p *CompiledPolicy) Location() *time.Location { return p.location }

// RefreshTime returns the local time of day of the daily refresh.
func (p *CompiledPolicy) RefreshTime() schedule.Clock { return p.refreshTime }

// PolicyError reports a policy that cannot be used at all. Problems has at
// least one entry.
type PolicyError struct {
	Policy   string
	Problems []Problem
}

func (e *PolicyError) Error() string {
	var b strings.Builder
	if e.Policy == "" {
		b.WriteString("the collection policy is not usable:")
	} else {
		fmt.Fprintf(&b, "collection policy %s is not usable:", e.Policy)
	}
	for _, problem := range e.Problems {
		b.WriteString(" ")
		b.WriteString(problem.Message)
	}
	return b.String()
}

// Reason returns the reason of the first problem, for a condition that can
// hold only one reason.
func (e *PolicyError) Reason() string {
	if len(e.Problems) == 0 {
		return ""
	}
	return e.Problems[0].Reason
}

// CompilePolicy validates p and prepares it for Evaluate. It returns a
// *PolicyError with every problem that ValidatePolicy finds.
func CompilePolicy(p Policy) (*CompiledPolicy, error) {
	compiled, problems := compilePolicy(&p)
	if len(problems) > 0 {
		return nil, &PolicyError{Policy: p.Name, Problems: problems}
	}
	return compiled, nil
}

// ValidatePolicy returns the problems of p: an invalid currency or refresh
// time, an unknown time zone, and tiers that are missing, more than
// MaxTiers, badly named, not starting at 0, not strictly ascending, written
// with the wrong precision for the currency, or with risk days that do not
// satisfy 1 <= low < medium < high. Each problem names the field path, such
// as spec.tiers[1].minAmount, the value and the fix.
func ValidatePolicy(p Policy) []Problem {
	_, problems := compilePolicy(&p)
	return problems
}

func compilePolicy(p *Policy) (*CompiledPolicy, []Problem) {
	var problems []Problem
	compiled := &CompiledPolicy{name: p.Name}

	currency, err := money.ParseCurrency(p.Currency)
	if err != nil {
		problems = append(problems, policyProblem(p, "spec.currency", p.Currency, ReasonInvalidCurrency,
			"spec.currency: %v.", err))
	}
	compiled.currency = currency

	location, err := LoadTimeZone(p.TimeZone)
	if err != nil {
		problems = append(problems, policyProblem(p, "spec.timeZone", p.TimeZone, ReasonInvalidTimeZone,
			"spec.timeZone: %v.", err))
	}
	compiled.location = location

	if p.RefreshTime != "" {
		clock, err := schedule.ParseClock(p.RefreshTime)
		if err != nil {
			problems = append(problems, policyProblem(p, "spec.refreshTime", p.RefreshTime, ReasonInvalidRefreshTime,
				"spec.refreshTime: %v.", err))
		}
		compiled.refreshTime = clock
	}

	tiers, tierProblems := compileTiers(p, currency)
	compiled.tiers = tiers
	problems = append(problems, tierProblems...)

	if len(problems) > 0 {
		return nil, problems
	}
	return compiled, nil
}

// compileTiers checks the tiers in the order listed. Amounts are checked
// only when the currency is valid, because their precision depends on it.
func compileTiers(p *Policy, currency money.Currency) ([]compiledTier, []Problem) {
	var problems []Problem
	add := func(field, value, format string, args ...any) {
		problems = append(problems, policyProblem(p, field, value, ReasonInvalidTiers, format, args...))
	}

	switch {
	case len(p.Tiers) == 0:
		add("spec.tiers", "", `spec.tiers is empty. Define at least one tier, the first with minAmount "0".`)
		return nil, problems
	case len(p.Tiers) > MaxTiers:
		add("spec.tiers", fmt.Sprint(len(p.Tiers)), "spec.tiers has %d tiers, more than the maximum of %d. Merge tiers.", len(p.Tiers), MaxTiers)
	}

	tiers := make([]compiledTier, len(p.Tiers))
	firstIndex := make(map[string]int, len(p.Tiers))
	for i, tier := range p.Tiers {
		path := fmt.Sprintf("spec.tiers[%d]", i)
		tiers[i] = compiledTier{name: tier.Name, low: tier.Low, medium: tier.Medium, high: tier.High}

		switch first, seen := firstIndex[tier.Name]; {
		case tier.Name == "":
			add(path+".name", "", `%s.name is empty. Give every tier a name that is a DNS label, such as "large".`, path)
		case !isDNSLabel(tier.Name):
			add(path+".name", tier.Name, `%s.name %q is not a DNS label. Use at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit, such as "large".`, path, tier.Name)
		case seen:
			add(path+".name", tier.Name, "%s.name %q is also the name of spec.tiers[%d]. Give every tier its own name.", path, tier.Name, first)
		default:
			firstIndex[tier.Name] = i
		}

		if !currency.IsZero() {
			if amount, ok := checkMinAmount(p, currency, i, add); ok {
				tiers[i].minAmount = amount
			}
		}

		switch {
		case tier.Low < 1:
			add(path+".riskDays.low", fmt.Sprint(tier.Low), "%s.riskDays.low is %d and must be at least 1.", path, tier.Low)
		case tier.Medium <= tier.Low:
			add(path+".riskDays.medium", fmt.Sprint(tier.Medium), "%s.riskDays.medium is %d and must be greater than riskDays.low, %d.", path, tier.Medium, tier.Low)
		case tier.High <= tier.Medium:
			add(path+".riskDays.high", fmt.Sprint(tier.High), "%s.riskDays.high is %d and must be greater than riskDays.medium, %d.", path, tier.High, tier.Medium)
		}
	}
	return tiers, problems
}

// checkMinAmount parses the minimum amount of tier i and checks that the
// first tier starts at zero and every later tier lies above the one before.
func checkMinAmount(p *Policy, currency money.Currency, i int, add func(field, value, format string, args ...any)) (money.Amount, bool) {
	path := fmt.Sprintf("spec.tiers[%d].minAmount", i)
	value := p.Tiers[i].MinAmount

	amount, err := currency.Parse(value, money.NonNegative)
	if err != nil {
		add(path, value, "%s: %v.", path, err)
		return money.Amount{}, false
	}

	if i == 0 {
		if !amount.IsZero() {
			add(path, value, `%s is %q and must be "0", so that every order falls into a tier.`, path, value)
		}
		return amount, true
	}

	previousValue := p.Tiers[i-1].MinAmount
	previous, err := currency.Parse(previousValue, money.NonNegative)
	if err == nil && amount.Cmp(previous) <= 0 {
		add(path, value, "%s is %q, not greater than spec.tiers[%d].minAmount %q. List the tiers by strictly ascending minAmount.",
			path, value, i-1, previousValue)
	}
	return amount, true
}

// isDNSLabel reports whether s is an RFC 1123 label, the rule Kubernetes
// applies to names of this kind.
func isDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

var locations sync.Map // zone name to *time.Location

// LoadTimeZone returns the IANA time zone with the given name, or UTC for
// the empty name. It rejects "Local", which would make the result depend on
// the server's zone. Loaded zones are cached: valid names are a fixed set of
// a few hundred, so the cache stays small.
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if name == "Local" {
		return nil, errors.New(`time zone "Local" is the server's zone. Use an IANA name such as "Europe/Berlin" or "UTC"`)
	}
	if cached, ok := locations.Load(name); ok {
		return cached.(*time.Location), nil
	}

	location, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q cannot be loaded: %w. Use an IANA name such as %q or %q", name, err, "Europe/Berlin", "UTC")
	}
	locations.Store(name, location)
	return location, nil
}
