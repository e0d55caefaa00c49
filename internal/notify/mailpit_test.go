package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// mailpit is a Mailpit process that a test started on loopback. Tests send
// to its SMTP port and read what it stored through its HTTP API.
type mailpit struct {
	smtpAddress string
	apiURL      string
}

// mailpitAddress is an address as Mailpit's API returns it.
type mailpitAddress struct {
	Name    string
	Address string
}

// mailpitMessage contains the fields of Mailpit's message API that the
// tests check.
type mailpitMessage struct {
	ID        string
	MessageID string
	From      mailpitAddress
	To        []mailpitAddress
	Cc        []mailpitAddress
	Bcc       []mailpitAddress
	Subject   string
	Username  string
	Text      string
	HTML      string
}

// mailpitBinary returns the path of the mailpit binary: $MAILPIT_BIN, or
// bin/mailpit at the top of the repository, where hack/mailpit/build.sh
// puts it.
func mailpitBinary(t *testing.T) string {
	t.Helper()
	path := os.Getenv("MAILPIT_BIN")
	if path == "" {
		var err error
		if path, err = filepath.Abs(filepath.Join("..", "..", "bin", "mailpit")); err != nil {
			t.Fatalf("Cannot locate the repository's bin folder: %v", err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Mailpit binary not found at %s (%v): run hack/mailpit/build.sh, or set MAILPIT_BIN to a mailpit binary", path, err)
	}
	return path
}

// freeLoopbackAddress returns 127.0.0.1 with a port that was free a moment
// ago. Another process can take it before Mailpit binds it, so startMailpit
// tries again when Mailpit exits early.
func freeLoopbackAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Cannot find a free loopback port: %v", err)
	}
	address := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("Cannot release loopback port %s: %v", address, err)
	}
	return address
}

// syncBuffer collects the output of a process for a failure message.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startMailpit starts Mailpit on two free loopback ports with a database in
// a temporary folder and stops it when the test ends. It accepts plain SMTP
// without authentication unless args change that. It never contacts
// another host: the release check and reverse DNS look-ups are off.
func startMailpit(t *testing.T, args ...string) *mailpit {
	t.Helper()
	binary := mailpitBinary(t)

	const attempts = 3
	for attempt := 1; ; attempt++ {
		m, err := runMailpit(t, binary, args)
		if err == nil {
			return m
		}
		if attempt == attempts {
			t.Fatalf("Mailpit did not start after %d attempts: %v", attempts, err)
		}
		t.Logf("Mailpit did not start, trying other ports: %v", err)
	}
}

func runMailpit(t *testing.T, binary string, extraArgs []string) (*mailpit, error) {
	smtpAddress := freeLoopbackAddress(t)
	httpAddress := freeLoopbackAddress(t)
	args := append([]string{
		"--smtp", smtpAddress,
		"--listen", httpAddress,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check",
		"--smtp-disable-rdns",
	}, extraArgs...)

	cmd := exec.Command(binary, args...)
	output := &syncBuffer{}
	cmd.Stdout = output
	cmd.Stderr = output
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	stop := func() {
		if err := cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Logf("Cannot interrupt Mailpit: %v", err)
		}
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				t.Logf("Cannot kill Mailpit: %v", err)
			}
			<-exited
		}
	}

	m := &mailpit{smtpAddress: smtpAddress, apiURL: "http://" + httpAddress}
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("mailpit exited (%v); its output:\n%s", err, output.String())
		default:
		}
		if m.ready() {
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					t.Logf("Mailpit output:\n%s", output.String())
				}
			})
			return m, nil
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("mailpit was not ready within 20s; its output:\n%s", output.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ready reports whether both the HTTP API and the SMTP port respond.
func (m *mailpit) ready() bool {
	resp, err := http.Get(m.apiURL + "/readyz")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	conn, err := net.DialTimeout("tcp", m.smtpAddress, time.Second)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

func (m *mailpit) get(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := http.Get(m.apiURL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %s: %s", path, resp.Status, body)
	}
	return body
}

// messages returns the summaries of all stored messages, newest first.
func (m *mailpit) messages(t *testing.T) []mailpitMessage {
	t.Helper()
	var list struct {
		Messages []mailpitMessage `json:"messages"`
	}
	if err := json.Unmarshal(m.get(t, "/api/v1/messages?limit=500"), &list); err != nil {
		t.Fatalf("Decoding the message list: %v", err)
	}
	return list.Messages
}

// messageByID returns the stored message whose Message-ID header is
// messageID, angle brackets included, and fails the test when there is not
// exactly one.
func (m *mailpit) messageByID(t *testing.T, messageID string) mailpitMessage {
	t.Helper()
	want := messageID[1 : len(messageID)-1]
	var found []mailpitMessage
	for _, summary := range m.messages(t) {
		if summary.MessageID == want {
			found = append(found, summary)
		}
	}
	if len(found) != 1 {
		t.Fatalf("Mailpit stored %d messages with Message-ID %s, expected 1", len(found), messageID)
	}

	var message mailpitMessage
	if err := json.Unmarshal(m.get(t, "/api/v1/message/"+found[0].ID), &message); err != nil {
		t.Fatalf("Decoding message %s: %v", found[0].ID, err)
	}
	return message
}

func (m *mailpit) headers(t *testing.T, id string) map[string][]string {
	t.Helper()
	var headers map[string][]string
	if err := json.Unmarshal(m.get(t, "/api/v1/message/"+id+"/headers"), &headers); err != nil {
		t.Fatalf("Decoding the headers of message %s: %v", id, err)
	}
	return headers
}

func (m *mailpit) raw(t *testing.T, id string) string {
	t.Helper()
	return string(m.get(t, "/api/v1/message/"+id+"/raw"))
}
