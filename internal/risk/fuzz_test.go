package risk

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/overdue-dev/overdue-operator/internal/money"
)

// fuzzInput turns fuzz bytes into invoices. Most values come from small
// pools of valid and invalid field values, so that the fuzzer reaches the
// credit note and installment paths instead of only the parsers.
type fuzzInput struct {
	data []byte
	next int
}

func (in *fuzzInput) byte() byte {
	if in.next >= len(in.data) {
		return 0
	}
	b := in.data[in.next]
	in.next++
	return b
}

func (in *fuzzInput) pick(n int) int { return int(in.byte()) % n }

func (in *fuzzInput) pickString(values ...string) string { return values[in.pick(len(values))] }

var (
	fuzzAnchor = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	fuzzEUR    = money.MustParseCurrency("EUR")
	fuzzZones  = []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati", "America/Sao_Paulo"}
)

func (in *fuzzInput) date() string {
	if in.pick(16) == 0 {
		return in.pickString("", "2024-02-30", "2023-02-29", "junk", "2024-6-1")
	}
	offset := int(in.byte())<<1 | int(in.byte()&1) // 0 to 511 days
	return fuzzAnchor.AddDate(0, 0, offset-300).Format(time.DateOnly)
}

func (in *fuzzInput) minorUnits() int64 {
	return int64(in.byte())<<8 | int64(in.byte())
}

func (in *fuzzInput) amount() string {
	if in.pick(16) == 0 {
		return in.pickString("", "0", "0.00", "-5.00", "1e3", "1.234", "12,50", "99999999999999999999999999999.99")
	}
	return fuzzEUR.Format(fuzzEUR.FromMinorUnits(in.minorUnits()))
}

func (in *fuzzInput) invoices() []Invoice {
	names := []string{"a", "b", "c", "d", "e", "f"}
	invoices := make([]Invoice, in.pick(8))
	for i := range invoices {
		total := in.minorUnits() + 1
		inv := Invoice{
			Name:        names[in.pick(len(names))],
			Type:        in.pickString("", TypeInvoice, TypeInvoice, TypeCreditNote, TypeCreditNote, "Bill"),
			State:       in.pickString("", StatePosted, StatePosted, StatePosted, StateDraft, StateCancelled, "Open"),
			Currency:    in.pickString("EUR", "EUR", "EUR", "EUR", "EUR", "USD", "eur", ""),
			DueDate:     in.date(),
			AmountTotal: fuzzEUR.Format(fuzzEUR.FromMinorUnits(total)),
		}
		inv.Number = "N-" + inv.Name
		if in.pick(8) == 0 {
			inv.AmountTotal = in.amount()
		}
		switch in.pick(4) {
		case 0:
			inv.AmountPaid = in.amount()
		case 1:
			inv.AmountPaid = fuzzEUR.Format(fuzzEUR.FromMinorUnits(in.minorUnits() % (total + 1)))
		}
		if in.pick(4) == 0 {
			inv.InvoiceDate = in.date()
		}
		if in.pick(3) == 0 {
			inv.ReversedInvoice = in.pickString("", "a", "b", "c", "d", "e", "f", "zz")
		}
		if in.pick(3) == 0 {
			inv.Installments = in.installments(total)
		}
		invoices[i] = inv
	}
	return invoices
}

// installments splits total minor units into one to three installments, or
// sometimes returns installments that do not add up.
func (in *fuzzInput) installments(total int64) []Installment {
	count := 1 + in.pick(3)
	installments := make([]Installment, count)
	remaining := total
	for i := range installments {
		part := remaining
		if i < count-1 {
			part = in.minorUnits() % (remaining + 1)
		}
		remaining -= part
		installments[i] = Installment{DueDate: in.date(), Amount: fuzzEUR.Format(fuzzEUR.FromMinorUnits(part))}
	}
	if in.pick(8) == 0 {
		installments[0].Amount = in.amount()
	}
	return installments
}

// FuzzEvaluate checks the invariants of Evaluate on arbitrary invoices: no
// panic, no negative amount, AmountOverdue <= AmountDue, order totals equal
// to the sums of the invoices, a result that is the same for every order of
// the invoices, and overdue days that never decrease as now moves forward
// while nothing is paid (unless the local date itself goes back).
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte{}, int64(0), uint8(0), uint32(0))
	f.Add([]byte("several invoices with credit notes and installments"), int64(86400*15), uint8(1), uint32(60*24*40))
	f.Add([]byte{5, 0, 1, 1, 0, 0, 10, 1, 2, 3, 4, 0, 3, 3, 1, 0, 0, 1, 1, 2, 2}, int64(86400*200), uint8(2), uint32(1))

	policies := make([]*CompiledPolicy, len(fuzzZones))
	for i, zone := range fuzzZones {
		p := testPolicy()
		p.TimeZone = zone
		compiled, err := CompilePolicy(p)
		if err != nil {
			f.Fatal(err)
		}
		policies[i] = compiled
	}

	f.Fuzz(func(t *testing.T, data []byte, nowSeconds int64, zoneIndex uint8, advanceMinutes uint32) {
		in := &fuzzInput{data: data}
		order := Order{Name: "so", Currency: in.pickString("EUR", "EUR", "EUR", "USD")}
		invoices := in.invoices()
		policy := policies[int(zoneIndex)%len(policies)]

		const span = 3 * 365 * 86400
		nowSeconds %= span
		if nowSeconds < 0 {
			nowSeconds += span
		}
		now := fuzzAnchor.Add(-365 * 24 * time.Hour).Add(time.Duration(nowSeconds) * time.Second)

		result := policy.Evaluate(order, invoices, now)
		checkResult(t, order, invoices, result)

		for _, permuted := range fuzzPermutations(invoices, in) {
			again := policy.Evaluate(order, permuted, now)
			if !reflect.DeepEqual(result, again) {
				t.Fatalf("result depends on the order of the invoices:\n%+v\nversus\n%+v", result, again)
			}
		}

		later := now.Add(time.Duration(advanceMinutes%(60*24*400)) * time.Minute)
		laterResult := policy.Evaluate(order, invoices, later)
		checkResult(t, order, invoices, laterResult)
		checkMonotonic(t, result, laterResult)
	})
}

func fuzzPermutations(invoices []Invoice, in *fuzzInput) [][]Invoice {
	reversed := slices.Clone(invoices)
	slices.Reverse(reversed)
	shuffled := slices.Clone(invoices)
	for i := len(shuffled) - 1; i > 0; i-- {
		j := in.pick(i + 1)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	return [][]Invoice{reversed, shuffled}
}

func checkResult(t *testing.T, order Order, invoices []Invoice, r Result) {
	t.Helper()
	amount := func(field, value string) money.Amount {
		t.Helper()
		a, err := fuzzEUR.Parse(value, money.NonNegative)
		if err != nil {
			t.Fatalf("%s = %q is not a non-negative amount: %v", field, value, err)
		}
		return a
	}

	amount("AmountInvoiced", r.AmountInvoiced)
	due := amount("AmountDue", r.AmountDue)
	overdue := amount("AmountOverdue", r.AmountOverdue)
	if overdue.Cmp(due) > 0 {
		t.Fatalf("AmountOverdue %s > AmountDue %s", r.AmountOverdue, r.AmountDue)
	}
	if len(r.Invoices) != len(invoices) {
		t.Fatalf("%d invoice results for %d invoices", len(r.Invoices), len(invoices))
	}

	var sumDue, sumOverdue money.Amount
	var maxDays int32
	var hasInvoice bool
	for _, inv := range r.Invoices {
		if inv.OverdueDays < 0 {
			t.Fatalf("invoice %s: OverdueDays %d < 0", inv.Name, inv.OverdueDays)
		}
		if !inv.Counted {
			if inv.OverdueDays != 0 || inv.AmountDue != "" {
				t.Fatalf("invoice %s is not counted but has OverdueDays %d and AmountDue %q", inv.Name, inv.OverdueDays, inv.AmountDue)
			}
			continue
		}
		invDue := amount("invoice AmountDue", inv.AmountDue)
		invOverdue := amount("invoice AmountOverdue", inv.AmountOverdue)
		amount("invoice AmountCredited", inv.AmountCredited)
		if invOverdue.Cmp(invDue) > 0 {
			t.Fatalf("invoice %s: AmountOverdue %s > AmountDue %s", inv.Name, inv.AmountOverdue, inv.AmountDue)
		}
		if inv.Type == TypeCreditNote {
			continue
		}
		hasInvoice = true
		sumDue = sumDue.Add(invDue)
		sumOverdue = sumOverdue.Add(invOverdue)
		maxDays = max(maxDays, inv.OverdueDays)
		for _, inst := range inv.Installments {
			if amount("installment AmountOpen", inst.AmountOpen).Cmp(amount("installment Amount", inst.Amount)) > 0 {
				t.Fatalf("invoice %s: installment open %s > amount %s", inv.Name, inst.AmountOpen, inst.Amount)
			}
			if inst.OverdueDays < 0 {
				t.Fatalf("invoice %s: installment OverdueDays %d < 0", inv.Name, inst.OverdueDays)
			}
		}
	}
	if !sumDue.Equal(due) || !sumOverdue.Equal(overdue) {
		t.Fatalf("order AmountDue %s and AmountOverdue %s differ from the invoices' sums %s and %s", due, overdue, sumDue, sumOverdue)
	}
	if r.OverdueDays != maxDays {
		t.Fatalf("order OverdueDays %d, but the largest invoice OverdueDays is %d", r.OverdueDays, maxDays)
	}

	var wantState CollectionState
	switch {
	case !hasInvoice:
		wantState = CollectionNotInvoiced
	case due.IsZero():
		wantState = CollectionPaid
	case r.OverdueDays > 0:
		wantState = CollectionOverdue
	default:
		wantState = CollectionNotDue
	}
	if r.CollectionState != wantState {
		t.Fatalf("CollectionState %s, want %s", r.CollectionState, wantState)
	}

	rated := order.Currency == "EUR"
	if rated != (r.RiskLevel != "") || rated != (r.Tier != "") {
		t.Fatalf("order currency %s under an EUR policy got tier %q and level %q", order.Currency, r.Tier, r.RiskLevel)
	}
}

// checkMonotonic checks that moving now forward with the same invoices never
// lowers overdue days or the level, unless the local date went back.
func checkMonotonic(t *testing.T, earlier, later Result) {
	t.Helper()
	if later.Today < earlier.Today {
		return
	}
	if later.OverdueDays < earlier.OverdueDays {
		t.Fatalf("OverdueDays went from %d on %s to %d on %s", earlier.OverdueDays, earlier.Today, later.OverdueDays, later.Today)
	}
	if later.RiskLevel.Rank() < earlier.RiskLevel.Rank() {
		t.Fatalf("RiskLevel went from %s on %s to %s on %s", earlier.RiskLevel, earlier.Today, later.RiskLevel, later.Today)
	}
	for i := range earlier.Invoices {
		if later.Invoices[i].OverdueDays < earlier.Invoices[i].OverdueDays {
			t.Fatalf("invoice %s: OverdueDays went from %d to %d", earlier.Invoices[i].Name, earlier.Invoices[i].OverdueDays, later.Invoices[i].OverdueDays)
		}
	}
	if earlier.AmountDue != later.AmountDue {
		t.Fatalf("AmountDue changed from %s to %s with the same invoices", earlier.AmountDue, later.AmountDue)
	}
}
