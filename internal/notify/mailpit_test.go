package notify

import (
	"context"
	"testing"

	"github.com/overdue-dev/overdue-operator/test/loopback"
	"github.com/overdue-dev/overdue-operator/test/mailpit"
)

// testMailpit adapts the shared Mailpit helper to these tests: each method
// fails the test instead of returning an error.
type testMailpit struct {
	*mailpit.Server
	smtpAddress string
}

type (
	mailpitAddress = mailpit.Address
	mailpitMessage = mailpit.FullMessage
)

// startMailpit starts Mailpit on loopback for one test. extraArgs add
// Mailpit flags, such as a TLS certificate or an authentication file.
func startMailpit(t *testing.T, extraArgs ...string) *testMailpit {
	t.Helper()
	server := mailpit.StartForTest(t, extraArgs...)
	return &testMailpit{Server: server, smtpAddress: server.SMTPAddress}
}

// messages returns the summaries of all caught messages, newest first.
func (m *testMailpit) messages(t *testing.T) []mailpit.Message {
	t.Helper()
	list, err := m.Messages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// messageByID returns the caught message whose Message-ID header is
// messageID, angle brackets included, and fails the test when there is not
// exactly one.
func (m *testMailpit) messageByID(t *testing.T, messageID string) mailpitMessage {
	t.Helper()
	want := messageID[1 : len(messageID)-1]
	var found []mailpit.Message
	for _, summary := range m.messages(t) {
		if summary.MessageID == want {
			found = append(found, summary)
		}
	}
	if len(found) != 1 {
		t.Fatalf("Mailpit stored %d messages with Message-ID %s, expected 1", len(found), messageID)
	}
	message, err := m.Message(context.Background(), found[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return *message
}

func (m *testMailpit) headers(t *testing.T, id string) map[string][]string {
	t.Helper()
	headers, err := m.Headers(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return headers
}

func (m *testMailpit) raw(t *testing.T, id string) string {
	t.Helper()
	raw, err := m.Raw(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// freeLoopbackAddress returns 127.0.0.1 with a port that was free a moment
// ago, for a test that needs an address where nothing listens.
func freeLoopbackAddress(t *testing.T) string {
	t.Helper()
	address, err := loopback.FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	return address
}
