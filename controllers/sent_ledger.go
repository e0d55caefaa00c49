package controllers

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	collectionsv1alpha1 "github.com/overdue-dev/overdue-operator/api/v1alpha1"
)

// sentEmails records the emails that this process sent until the status of
// their order records them. It closes two gaps that the status alone
// leaves: a status write that fails after the SMTP server accepted the
// email, and two reconcilers in one process that handle the same order at
// once. Either would otherwise send the same change twice. Across replicas,
// leader election keeps a single process sending.
var sentEmails = newSentLedger()

// sentEmail is one email that the SMTP server accepted.
type sentEmail struct {
	level collectionsv1alpha1.RiskLevel
	// changeKey identifies the change: the sentAt of the email before it.
	changeKey string
	sentAt    metav1.Time
}

type ledgerEntry struct {
	mu   sync.Mutex
	refs int
	sent *sentEmail
}

// sentLedger holds a lock and the last unrecorded email per order.
type sentLedger struct {
	mu      sync.Mutex
	entries map[types.UID]*ledgerEntry
}

func newSentLedger() *sentLedger {
	return &sentLedger{entries: map[types.UID]*ledgerEntry{}}
}

// lock serialises the sends of one order and returns the function that ends
// the critical section. While it is held, lookup and record are safe.
func (l *sentLedger) lock(uid types.UID) func() {
	l.mu.Lock()
	entry, ok := l.entries[uid]
	if !ok {
		entry = &ledgerEntry{}
		l.entries[uid] = entry
	}
	entry.refs++
	l.mu.Unlock()

	entry.mu.Lock()
	return func() {
		entry.mu.Unlock()
		l.mu.Lock()
		defer l.mu.Unlock()
		entry.refs--
		if entry.refs == 0 && entry.sent == nil {
			delete(l.entries, uid)
		}
	}
}

// lookup returns the email sent for the change that changeKey names, if
// this process sent it. The caller holds the order's lock.
func (l *sentLedger) lookup(uid types.UID, changeKey string) (sentEmail, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	entry, ok := l.entries[uid]
	if !ok || entry.sent == nil || entry.sent.changeKey != changeKey {
		return sentEmail{}, false
	}
	return *entry.sent, true
}

// record remembers an email that the SMTP server accepted. The caller holds
// the order's lock.
func (l *sentLedger) record(uid types.UID, email sentEmail) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries[uid].sent = &email
}

// forget drops the record of an email once the order's status shows it.
func (l *sentLedger) forget(uid types.UID, recorded *collectionsv1alpha1.LastNotification) {
	if recorded == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	entry, ok := l.entries[uid]
	if !ok || entry.sent == nil || !entry.sent.sentAt.Equal(&recorded.SentAt) {
		return
	}
	entry.sent = nil
	if entry.refs == 0 {
		delete(l.entries, uid)
	}
}
