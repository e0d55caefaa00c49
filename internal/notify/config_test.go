package notify

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writePasswordFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("Writing the password file: %v", err)
	}
	return path
}

func TestAddFlags(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		var c Config
		fs := flag.NewFlagSet("manager", flag.ContinueOnError)
		c.AddFlags(fs)
		if err := fs.Parse(nil); err != nil {
			t.Fatalf("Parse() error: %v", err)
		}
		if c.TLS != TLSStartTLS {
			t.Errorf("TLS = %q, expected %q", c.TLS, TLSStartTLS)
		}
		if c.Timeout != 10*time.Second {
			t.Errorf("Timeout = %s, expected 10s", c.Timeout)
		}
		if c.Enabled() {
			t.Error("Enabled() = true without --smtp-address")
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Validate() of the defaults: %v", err)
		}
	})

	t.Run("all flags", func(t *testing.T) {
		password := writePasswordFile(t, "secret\n")
		var c Config
		fs := flag.NewFlagSet("manager", flag.ContinueOnError)
		c.AddFlags(fs)
		err := fs.Parse([]string{
			"--smtp-address", "mail.example.com:465",
			"--smtp-from", "Overdue <overdue@example.com>",
			"--smtp-username", "overdue",
			"--smtp-password-file", password,
			"--smtp-tls", "TLS",
			"--smtp-timeout", "3s",
		})
		if err != nil {
			t.Fatalf("Parse() error: %v", err)
		}
		want := Config{
			Address:      "mail.example.com:465",
			From:         "Overdue <overdue@example.com>",
			Username:     "overdue",
			PasswordFile: password,
			TLS:          TLSImplicit,
			Timeout:      3 * time.Second,
		}
		if c != want {
			t.Errorf("Config = %+v, expected %+v", c, want)
		}
		if !c.Enabled() {
			t.Error("Enabled() = false with --smtp-address")
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Validate() error: %v", err)
		}
	})

	t.Run("unknown TLS mode", func(t *testing.T) {
		var c Config
		fs := flag.NewFlagSet("manager", flag.ContinueOnError)
		fs.SetOutput(new(strings.Builder))
		c.AddFlags(fs)
		err := fs.Parse([]string{"--smtp-tls", "ssl"})
		if err == nil {
			t.Fatal("Parse() accepted --smtp-tls ssl")
		}
		for _, part := range []string{"smtp-tls", `"ssl"`, "none, starttls or tls"} {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("error %q does not contain %q", err, part)
			}
		}
	})
}

func TestValidate(t *testing.T) {
	password := writePasswordFile(t, "secret\n")
	emptyPassword := writePasswordFile(t, "\n")
	valid := Config{
		Address: "mail.example.com:587",
		From:    "overdue@example.com",
		TLS:     TLSStartTLS,
		Timeout: 10 * time.Second,
	}

	tests := []struct {
		name   string
		modify func(*Config)
		// wantErr lists parts that the error must contain. Empty means
		// the configuration is valid.
		wantErr []string
	}{
		{name: "valid", modify: func(*Config) {}},
		{name: "not configured", modify: func(c *Config) { c.Address, c.From = "", "" }},
		{name: "from with display name", modify: func(c *Config) { c.From = `"Overdue, Collections" <overdue@example.com>` }},
		{name: "IPv6 address", modify: func(c *Config) { c.Address = "[::1]:25" }},
		{name: "authentication", modify: func(c *Config) { c.Username, c.PasswordFile = "overdue", password }},
		{
			name: "clear-text authentication on loopback",
			modify: func(c *Config) {
				c.Address, c.TLS, c.Username, c.PasswordFile = "127.0.0.1:1025", TLSNone, "overdue", password
			},
		},
		{
			name:    "missing port",
			modify:  func(c *Config) { c.Address = "mail.example.com" },
			wantErr: []string{"--smtp-address", `"mail.example.com"`, "host:port"},
		},
		{
			name:    "missing host",
			modify:  func(c *Config) { c.Address = ":587" },
			wantErr: []string{"--smtp-address", `":587"`, "missing host"},
		},
		{
			name:    "port out of range",
			modify:  func(c *Config) { c.Address = "mail.example.com:70000" },
			wantErr: []string{"--smtp-address", "70000", "1 to 65535"},
		},
		{
			name:    "from missing",
			modify:  func(c *Config) { c.From = "" },
			wantErr: []string{"missing --smtp-from", "overdue@example.com"},
		},
		{
			name:    "from with two addresses",
			modify:  func(c *Config) { c.From = "a@example.com, b@example.com" },
			wantErr: []string{"--smtp-from", `"a@example.com, b@example.com"`, "one address"},
		},
		{
			name:    "from not an address",
			modify:  func(c *Config) { c.From = "overdue" },
			wantErr: []string{"--smtp-from", `"overdue"`},
		},
		{
			name:    "unknown TLS mode",
			modify:  func(c *Config) { c.TLS = "ssl" },
			wantErr: []string{"--smtp-tls", `"ssl"`, "none, starttls or tls"},
		},
		{
			name:    "zero timeout",
			modify:  func(c *Config) { c.Timeout = 0 },
			wantErr: []string{"--smtp-timeout", "0s", "greater than zero"},
		},
		{
			name:    "username without password file",
			modify:  func(c *Config) { c.Username = "overdue" },
			wantErr: []string{"--smtp-username", `"overdue"`, "--smtp-password-file", "both or neither"},
		},
		{
			name:    "password file without username",
			modify:  func(c *Config) { c.PasswordFile = password },
			wantErr: []string{"--smtp-password-file", password, "both or neither"},
		},
		{
			name:    "password file missing",
			modify:  func(c *Config) { c.Username, c.PasswordFile = "overdue", "/nonexistent/smtp-password" },
			wantErr: []string{"--smtp-password-file", "/nonexistent/smtp-password", "mount the Secret"},
		},
		{
			name:    "password file empty",
			modify:  func(c *Config) { c.Username, c.PasswordFile = "overdue", emptyPassword },
			wantErr: []string{"--smtp-password-file", emptyPassword, "empty"},
		},
		{
			name:    "clear-text authentication to remote host",
			modify:  func(c *Config) { c.TLS, c.Username, c.PasswordFile = TLSNone, "overdue", password },
			wantErr: []string{"--smtp-tls none", "mail.example.com:587", "clear text", "starttls or tls"},
		},
		{
			name:    "several problems at once",
			modify:  func(c *Config) { c.Address, c.Timeout = "nohost", -time.Second },
			wantErr: []string{"--smtp-address", "--smtp-timeout"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.modify(&c)
			err := c.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate() error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() returned no error")
			}
			for _, part := range tt.wantErr {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not contain %q", err, part)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

func TestReadPassword(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"trailing newline removed", "s3cret\n", "s3cret"},
		{"trailing CRLF removed", "s3cret\r\n", "s3cret"},
		{"only one newline removed", "s3cret\n\n", "s3cret\n"},
		{"no newline", "s3cret", "s3cret"},
		{"inner spaces kept", " s3 cret ", " s3 cret "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readPassword(writePasswordFile(t, tt.content))
			if err != nil {
				t.Fatalf("readPassword() error: %v", err)
			}
			if got != tt.want {
				t.Errorf("readPassword() = %q, expected %q", got, tt.want)
			}
		})
	}
}
