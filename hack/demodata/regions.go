package main

import (
	"math/rand/v2"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
)

// region is one sales team: a namespace with its own currency, collection
// policy, salespeople and customers.
type region struct {
	// namespace is the Kubernetes namespace of the team's objects.
	namespace string
	// code is the short upper-case code in object names and numbers, such
	// as "EU" in SO-EU-0001.
	code        string
	currency    string
	timeZone    string
	refreshTime string
	tiers       []tier
	cc          []collectionsv1alpha1.EmailAddress
	escalateTo  []collectionsv1alpha1.EmailAddress
	salespeople []collectionsv1alpha1.Salesperson
	// customers are the team's accounts. Each customer is looked after by
	// one salesperson, so every order of a customer goes to the same person.
	customers []customer
	// orderSizes are the ranges that order totals are drawn from, with
	// their weights, so that every tier gets orders.
	orderSizes []orderSize
	// share is the region's percentage of all generated orders.
	share int
}

// tier is a policy tier with its minimum amount in minor units, so that the
// generator compares amounts exactly.
type tier struct {
	name              string
	minAmount         int64
	low, medium, high int32
}

// customer is a buyer, whose name may be in any script.
type customer struct {
	name  collectionsv1alpha1.PersonName
	email collectionsv1alpha1.EmailAddress
}

// orderSize is a range of order totals in minor units, [min, max).
type orderSize struct {
	weight   int
	min, max int64
	// step rounds drawn totals down to a multiple of this many minor
	// units, as price lists do.
	step int64
}

// draw returns a total from the size's range.
func (s orderSize) draw(rng *rand.Rand) int64 {
	total := s.min + rng.Int64N(s.max-s.min)
	return max(s.min, total-total%s.step)
}

// regions returns the two sales teams of the demo: one in the euro area
// and one in Japan. JPY has no minor unit, so its amounts have no
// fraction digits.
func regions() []*region {
	return []*region{
		{
			namespace:   "sales-eu",
			code:        "EU",
			currency:    "EUR",
			timeZone:    "Europe/Berlin",
			refreshTime: "06:00",
			tiers: []tier{
				{name: "small", minAmount: 0, low: 15, medium: 45, high: 90},
				{name: "standard", minAmount: 5000_00, low: 10, medium: 30, high: 60},
				{name: "key-accounts", minAmount: 25000_00, low: 7, medium: 21, high: 45},
			},
			cc:         []collectionsv1alpha1.EmailAddress{"receivables-eu@example.com"},
			escalateTo: []collectionsv1alpha1.EmailAddress{"sales-director-eu@example.com"},
			salespeople: []collectionsv1alpha1.Salesperson{
				{Name: "Ana Lima", Email: "ana.lima@example.com"},
				{Name: "Jonas Berg", Email: "jonas.berg@example.com"},
				{Name: "Chloé Durand", Email: "chloe.durand@example.com"},
			},
			customers: []customer{
				{name: "Müller Maschinenbau GmbH", email: "ap@mueller-maschinenbau.example.com"},
				{name: "Nordlicht Handel AG", email: "buchhaltung@nordlicht.example.com"},
				{name: "Société Lyonnaise de Câblage", email: "comptabilite@slc.example.com"},
				{name: "Van der Berg Installatie B.V.", email: "crediteuren@vanderberg.example.com"},
				{name: "O'Brien & Daughters Ltd.", email: "accounts@obrien-daughters.example.com"},
				{name: "Øresund Logistik ApS", email: "faktura@oresund.example.com"},
				{name: "Costa Azul Distribuciones S.L.", email: "pagos@costa-azul.example.com"},
				{name: "Delta Componenti S.p.A.", email: "amministrazione@delta-componenti.example.com"},
				{name: "Zürcher Präzisionsteile AG"},
				{name: "Baltic Timber Export UAB", email: "finance@baltic-timber.example.com"},
				{name: "Łódź Tekstylia Sp. z o.o.", email: "ksiegowosc@lodz-tekstylia.example.com"},
				{name: "Hartmann Elektrotechnik KG", email: "rechnungen@hartmann-et.example.com"},
			},
			orderSizes: []orderSize{
				{weight: 55, min: 250_00, max: 5000_00, step: 50},
				{weight: 33, min: 5000_00, max: 25000_00, step: 100},
				{weight: 12, min: 25000_00, max: 95000_00, step: 10000},
			},
			share: 55,
		},
		{
			namespace:   "sales-jp",
			code:        "JP",
			currency:    "JPY",
			timeZone:    "Asia/Tokyo",
			refreshTime: "07:30",
			tiers: []tier{
				{name: "standard", minAmount: 0, low: 14, medium: 40, high: 80},
				{name: "large", minAmount: 1_000_000, low: 7, medium: 30, high: 60},
			},
			cc:         []collectionsv1alpha1.EmailAddress{"ar-japan@example.com"},
			escalateTo: []collectionsv1alpha1.EmailAddress{"country-manager-jp@example.com", "credit-control@example.com"},
			salespeople: []collectionsv1alpha1.Salesperson{
				{Name: "Haruto Sato", Email: "haruto.sato@example.com"},
				{Name: "Yui Tanaka", Email: "yui.tanaka@example.com"},
			},
			customers: []customer{
				{name: "株式会社山田製作所", email: "keiri@yamada-ss.example.com"},
				{name: "Sakura Trading K.K.", email: "ap@sakura-trading.example.com"},
				{name: "Osaka Marine Supply Co., Ltd.", email: "accounts@osaka-marine.example.com"},
				{name: "東京精密部品株式会社", email: "shiharai@tokyo-seimitsu.example.com"},
				{name: "Nagoya Robotics Inc.", email: "finance@nagoya-robotics.example.com"},
				{name: "Hokkaidō Dairy Cooperative", email: "office@hokkaido-dairy.example.com"},
				{name: "Kyushu Semiconductor Parts Ltd."},
				{name: "Pacific Rim Components Pte. Ltd.", email: "ap@pacific-rim.example.com"},
			},
			orderSizes: []orderSize{
				{weight: 65, min: 30_000, max: 1_000_000, step: 100},
				{weight: 35, min: 1_000_000, max: 8_000_000, step: 1000},
			},
			share: 45,
		},
	}
}

// tierFor returns the tier of an order with the given invoiced amount in
// minor units: the one with the largest minimum amount that is at most
// the invoiced amount.
func (r *region) tierFor(invoiced int64) tier {
	found := r.tiers[0]
	for _, t := range r.tiers {
		if t.minAmount <= invoiced {
			found = t
		}
	}
	return found
}

// drawTotal returns an order total in minor units.
func (r *region) drawTotal(rng *rand.Rand) int64 {
	weights := make([]int, len(r.orderSizes))
	for i, size := range r.orderSizes {
		weights[i] = size.weight
	}
	return r.orderSizes[pickWeighted(rng, weights)].draw(rng)
}

// pickWeighted returns an index of weights, each with a probability
// proportional to its weight.
func pickWeighted(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}
