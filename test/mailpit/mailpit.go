// Package mailpit starts a Mailpit SMTP server on loopback for tests and
// reads the messages it caught through its HTTP API. The binary comes from
// bin/mailpit, which `make mailpit` builds from Go modules, or from the path
// in MAILPIT_BIN.
package mailpit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/overdue-dev/overdue-operator/test/loopback"
)

// Server is a running Mailpit process.
type Server struct {
	// SMTPAddress is the host:port that accepts plain SMTP without
	// authentication.
	SMTPAddress string
	// APIURL is the base URL of the HTTP API and the web page.
	APIURL string
}

// Address is an address as Mailpit's API returns it.
type Address struct {
	Name    string
	Address string
}

// Message is the summary of a caught message in Mailpit's list API.
type Message struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Cc        []Address
	Bcc       []Address
	Subject   string
	Created   time.Time
}

// FullMessage is a caught message with its bodies.
type FullMessage struct {
	Message
	// Username is the SMTP user that sent the message, empty without
	// authentication.
	Username string
	Text     string
	HTML     string
}

// Binary returns the path of the mailpit binary: MAILPIT_BIN, else
// bin/mailpit in the repository.
func Binary() (string, error) {
	path := os.Getenv("MAILPIT_BIN")
	if path == "" {
		_, file, _, _ := runtime.Caller(0)
		path = filepath.Join(filepath.Dir(file), "..", "..", "bin", "mailpit")
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("Mailpit binary not found at %s: run `make mailpit`, or set MAILPIT_BIN: %w", path, err)
	}
	return path, nil
}

// Start starts Mailpit on free loopback ports with its database in dataDir,
// and returns a function that stops it. Without extraArgs it accepts plain
// SMTP without authentication; extraArgs add Mailpit flags such as
// --smtp-tls-cert or --smtp-auth-file. Mailpit contacts no other host: the
// release check and reverse DNS look-ups are off.
func Start(dataDir string, extraArgs ...string) (*Server, func() error, error) {
	binary, err := Binary()
	if err != nil {
		return nil, nil, err
	}
	var lastErr error
	// Another process can take a free port before Mailpit binds it, so a
	// failed start is tried again on other ports.
	for attempt := 0; attempt < 3; attempt++ {
		server, stop, err := start(binary, dataDir, extraArgs)
		if err == nil {
			return server, stop, nil
		}
		lastErr = err
	}
	return nil, nil, fmt.Errorf("Mailpit did not start after 3 attempts: %w", lastErr)
}

// StartForTest starts Mailpit for one test, with the same extraArgs as
// Start, and stops it when the test ends.
func StartForTest(tb testing.TB, extraArgs ...string) *Server {
	tb.Helper()
	server, stop, err := Start(tb.TempDir(), extraArgs...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := stop(); err != nil {
			tb.Errorf("stopping Mailpit: %v", err)
		}
	})
	return server
}

func start(binary, dataDir string, extraArgs []string) (*Server, func() error, error) {
	smtpAddress, err := loopback.FreeAddress()
	if err != nil {
		return nil, nil, err
	}
	httpAddress, err := loopback.FreeAddress()
	if err != nil {
		return nil, nil, err
	}
	args := append([]string{
		"--smtp", smtpAddress,
		"--listen", httpAddress,
		"--database", filepath.Join(dataDir, fmt.Sprintf("mailpit-%d.db", time.Now().UnixNano())),
		"--disable-version-check",
		"--smtp-disable-rdns",
	}, extraArgs...)
	cmd := exec.Command(binary, args...)
	output := &syncBuffer{}
	cmd.Stdout = output
	cmd.Stderr = output
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	stop := func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("interrupting Mailpit: %w", err)
		}
		select {
		case <-exited:
			return nil
		case <-time.After(5 * time.Second):
			return errors.Join(errors.New("Mailpit did not stop within 5s, killing it"), cmd.Process.Kill())
		}
	}

	server := &Server{SMTPAddress: smtpAddress, APIURL: "http://" + httpAddress}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return nil, nil, fmt.Errorf("Mailpit exited early (%v): %s", err, output.String())
		default:
		}
		if _, err := server.Messages(context.Background()); err == nil {
			if conn, err := net.DialTimeout("tcp", smtpAddress, time.Second); err == nil {
				_ = conn.Close() // only a readiness probe
				return server, stop, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, nil, errors.Join(fmt.Errorf("Mailpit was not ready within 20s: %s", output.String()), stop())
}

// Messages returns every caught message, newest first.
func (s *Server) Messages(ctx context.Context) ([]Message, error) {
	var list struct {
		Messages []Message `json:"messages"`
	}
	if err := s.get(ctx, "/api/v1/messages?limit=1000", &list); err != nil {
		return nil, err
	}
	return list.Messages, nil
}

// Search returns the caught messages that match a Mailpit search query,
// such as `subject:"SO-0042"`, newest first.
func (s *Server) Search(ctx context.Context, query string) ([]Message, error) {
	var list struct {
		Messages []Message `json:"messages"`
	}
	if err := s.get(ctx, "/api/v1/search?limit=1000&query="+url.QueryEscape(query), &list); err != nil {
		return nil, err
	}
	return list.Messages, nil
}

// Message returns one caught message with its bodies.
func (s *Server) Message(ctx context.Context, id string) (*FullMessage, error) {
	message := &FullMessage{}
	if err := s.get(ctx, "/api/v1/message/"+url.PathEscape(id), message); err != nil {
		return nil, err
	}
	return message, nil
}

// Headers returns the raw headers of one caught message.
func (s *Server) Headers(ctx context.Context, id string) (map[string][]string, error) {
	headers := map[string][]string{}
	if err := s.get(ctx, "/api/v1/message/"+url.PathEscape(id)+"/headers", &headers); err != nil {
		return nil, err
	}
	return headers, nil
}

// Raw returns the source of one caught message as the server received it.
func (s *Server) Raw(ctx context.Context, id string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.APIURL+"/api/v1/message/"+url.PathEscape(id)+"/raw", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("reading the source of message %s: %w", id, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("reading the source of message %s: %w", id, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("reading the source of message %s: HTTP %s: %s", id, resp.Status, body)
	}
	return string(body), nil
}

// DeleteAll deletes every caught message.
func (s *Server) DeleteAll(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.APIURL+"/api/v1/messages", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("deleting Mailpit's messages: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("deleting Mailpit's messages: HTTP %s", resp.Status)
	}
	return nil
}

func (s *Server) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.APIURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s: reading the body: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %s: %s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("GET %s: decoding %q: %w", path, body, err)
	}
	return nil
}

// syncBuffer collects a process's output for an error message.
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
