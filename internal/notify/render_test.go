package notify

import (
	"mime"
	"strings"
	"testing"
	"time"
)

func TestSubject(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Notification)
		want   string
	}{
		{
			name:   "many days",
			modify: func(*Notification) {},
			want:   "Risk High: SO-0042 (Acme GmbH), 120 days overdue",
		},
		{
			name:   "one day",
			modify: func(n *Notification) { n.NewLevel, n.OverdueDays = LevelLow, 1 },
			want:   "Risk Low: SO-0042 (Acme GmbH), 1 day overdue",
		},
		{
			name:   "paid",
			modify: func(n *Notification) { n.NewLevel, n.OverdueDays = LevelNone, 0 },
			want:   "Risk None: SO-0042 (Acme GmbH), not overdue",
		},
		{
			name:   "reference falls back to name",
			modify: func(n *Notification) { n.Reference = "" },
			want:   "Risk High: so-0042 (Acme GmbH), 120 days overdue",
		},
		{
			name:   "line breaks become spaces",
			modify: func(n *Notification) { n.CustomerName = "Evil Corp\r\nBcc: attacker@example.net\n" },
			want:   "Risk High: SO-0042 (Evil Corp Bcc: attacker@example.net), 120 days overdue",
		},
		{
			name:   "control and separator characters become spaces",
			modify: func(n *Notification) { n.CustomerName = "A\x00B\u2028C\u0085D\tE" },
			want:   "Risk High: SO-0042 (A B C D E), 120 days overdue",
		},
		{
			name:   "non-ASCII kept",
			modify: func(n *Notification) { n.CustomerName = "Müller & Söhne GmbH" },
			want:   "Risk High: SO-0042 (Müller & Söhne GmbH), 120 days overdue",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := testNotification(t)
			tt.modify(&n)
			if got := Subject(n); got != tt.want {
				t.Errorf("Subject() = %q, expected %q", got, tt.want)
			}
		})
	}
}

func TestEncodeSubject(t *testing.T) {
	decoder := new(mime.WordDecoder)
	for _, subject := range []string{
		"Risk High: SO-0042 (=?UTF-8?B?SGFja2Vk?=), 120 days overdue",
		"Risk High: SO-0042 (=?Müller " + strings.Repeat("Ü", 40) + "), 120 days overdue",
	} {
		encoded := encodeSubject(subject)
		if encoded == subject {
			t.Errorf("encodeSubject(%q) left the text unencoded", subject)
			continue
		}
		for _, word := range strings.Fields(encoded) {
			if len(word) > 75 {
				t.Errorf("encoded word %q is longer than 75 characters", word)
			}
		}
		decoded, err := decoder.DecodeHeader(encoded)
		if err != nil {
			t.Fatalf("DecodeHeader(%q) error: %v", encoded, err)
		}
		if decoded != subject {
			t.Errorf("encodeSubject(%q) decodes to %q", subject, decoded)
		}
	}

	if plain := "Risk High: SO-0042 (Acme GmbH), 120 days overdue"; encodeSubject(plain) != plain {
		t.Errorf("encodeSubject(%q) = %q, expected it unchanged", plain, encodeSubject(plain))
	}
}

func TestMessageID(t *testing.T) {
	n := testNotification(t)
	want := "<0b6f3c1e-5a2d-4d8e-9a51-2f0c7e4b9d13.Medium-High.2025-03-14T08-30-00Z@overdue.dev>"
	if got := MessageID(n); got != want {
		t.Errorf("MessageID() = %q, expected %q", got, want)
	}

	t.Run("same change same ID", func(t *testing.T) {
		again := testNotification(t)
		again.CustomerName = "Another Name"
		again.OverdueDays = 121
		if MessageID(again) != want {
			t.Errorf("MessageID() = %q after changing only the data, expected %q", MessageID(again), want)
		}
	})

	t.Run("first notification counts from None", func(t *testing.T) {
		first := testNotification(t)
		first.PreviousLevel = ""
		if got := MessageID(first); !strings.Contains(got, ".None-High.") {
			t.Errorf("MessageID() = %q, expected the change None-High", got)
		}
	})

	t.Run("other change key other ID", func(t *testing.T) {
		later := testNotification(t)
		later.ChangeKey = "2025-04-01T00:00:00Z"
		if MessageID(later) == want {
			t.Error("MessageID() did not change with the change key")
		}
	})

	t.Run("unsafe characters replaced", func(t *testing.T) {
		odd := testNotification(t)
		odd.UID = "a b>c"
		odd.ChangeKey = "x@y\r\n<z>"
		want := "<a-b-c.Medium-High.x-y---z-@overdue.dev>"
		if got := MessageID(odd); got != want {
			t.Errorf("MessageID() = %q, expected %q", got, want)
		}
	})
}

func TestRenderText(t *testing.T) {
	email, err := Render(testNotification(t))
	if err != nil {
		t.Fatalf("Render() error: %v", err)
	}
	for _, line := range []string{
		"Hello Jane Doe,",
		"The collection risk of order SO-0042 for Acme GmbH rose from Medium to High.",
		"Order:            SO-0042 (SaleOrder sales/so-0042)",
		"Risk level:       High (previously Medium)",
		"Tier:             large",
		"Amount invoiced:  12500.00 EUR",
		"Amount due:       7300.50 EUR",
		"Amount overdue:   4200.00 EUR",
		"Days overdue:     120",
		"Communication:    Contacted",
		"Remark:           Customer promised payment by end of month.",
		"  - INV-2024-0007: due 2024-11-14, 3000.00 EUR open, 120 days overdue",
		"  - inv-0009: due 2025-02-12, 1200.00 EUR open, 1 day overdue",
		"Computed at 2025-03-14 09:30 CET (Europe/Berlin) under CollectionPolicy default.",
	} {
		if !strings.Contains(email.Text, line+"\n") {
			t.Errorf("text body lacks the line %q; body:\n%s", line, email.Text)
		}
	}
	if email.Subject != "Risk High: SO-0042 (Acme GmbH), 120 days overdue" {
		t.Errorf("Subject = %q", email.Subject)
	}
	if email.MessageID != MessageID(testNotification(t)) {
		t.Errorf("MessageID = %q, expected %q", email.MessageID, MessageID(testNotification(t)))
	}
}

func TestRenderHTML(t *testing.T) {
	email, err := Render(testNotification(t))
	if err != nil {
		t.Fatalf("Render() error: %v", err)
	}
	for _, part := range []string{
		"<title>Risk High: SO-0042 (Acme GmbH), 120 days overdue</title>",
		"<p>Hello Jane Doe,</p>",
		"rose from <strong>Medium</strong> to <strong>High</strong>",
		">Amount overdue</th><td>4200.00 EUR</td>",
		">Days overdue</th><td>120</td>",
		">Communication</th><td>Contacted</td>",
		"<td style=\"padding: 2px 12px 2px 0;\">INV-2024-0007</td><td style=\"padding: 2px 12px 2px 0;\">2024-11-14</td>",
		">120 days</td>",
		"Computed at 2025-03-14 09:30 CET (Europe/Berlin)",
	} {
		if !strings.Contains(email.HTML, part) {
			t.Errorf("HTML body lacks %q; body:\n%s", part, email.HTML)
		}
	}
}

func TestRenderEscaping(t *testing.T) {
	n := testNotification(t)
	n.CustomerName = `<img src=x onerror="alert(1)">`
	n.CollectionRemark = "<script>alert('x')</script> & <b>bold</b>\r\nsecond line"
	n.OverdueInvoices[0].Number = "<i>INV</i>"

	email, err := Render(n)
	if err != nil {
		t.Fatalf("Render() error: %v", err)
	}

	for _, raw := range []string{"<img", "<script>", "<b>bold</b>", "<i>INV</i>"} {
		if strings.Contains(email.HTML, raw) {
			t.Errorf("HTML body contains unescaped %q", raw)
		}
	}
	for _, escaped := range []string{
		"&lt;img src=x onerror=&#34;alert(1)&#34;&gt;",
		"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;\nsecond line",
		"&lt;i&gt;INV&lt;/i&gt;",
	} {
		if !strings.Contains(email.HTML, escaped) {
			t.Errorf("HTML body lacks the escaped text %q", escaped)
		}
	}

	if !strings.Contains(email.Text, "Remark:           <script>alert('x')</script> & <b>bold</b>\n                  second line\n") {
		t.Errorf("text body does not contain the remark verbatim, with its second line indented; body:\n%s", email.Text)
	}
	if !strings.Contains(email.Text, `for <img src=x onerror="alert(1)"> rose`) {
		t.Errorf("text body does not contain the customer name verbatim; body:\n%s", email.Text)
	}
}

func TestRenderDefaults(t *testing.T) {
	n := testNotification(t)
	n.PreviousLevel = ""
	n.NewLevel = LevelLow
	n.SalespersonName = ""
	n.CommunicationStatus = ""
	n.CollectionRemark = ""
	n.OverdueInvoices = nil
	n.Location = nil

	email, err := Render(n)
	if err != nil {
		t.Fatalf("Render() error: %v", err)
	}
	for _, line := range []string{
		"The collection risk of order SO-0042 for Acme GmbH rose from None to Low.",
		"Communication:    NotContacted",
		"Remark:           (none)",
		"Computed at 2025-03-14 08:30 UTC (UTC) under CollectionPolicy default.",
	} {
		if !strings.Contains(email.Text, line+"\n") {
			t.Errorf("text body lacks the line %q; body:\n%s", line, email.Text)
		}
	}
	for _, absent := range []string{"Hello", "Overdue invoices"} {
		if strings.Contains(email.Text, absent) {
			t.Errorf("text body contains %q; body:\n%s", absent, email.Text)
		}
	}
}

func TestRenderFall(t *testing.T) {
	n := testNotification(t)
	n.PreviousLevel, n.NewLevel = LevelHigh, LevelLow
	email, err := Render(n)
	if err != nil {
		t.Fatalf("Render() error: %v", err)
	}
	if !strings.Contains(email.Text, "fell from High to Low.") {
		t.Errorf("text body does not say the level fell; body:\n%s", email.Text)
	}
}

func TestRenderInvalid(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Notification)
		want   string
	}{
		{"missing UID", func(n *Notification) { n.UID = "" }, "UID is empty"},
		{"missing change key", func(n *Notification) { n.ChangeKey = "" }, "change key is empty"},
		{"unknown new level", func(n *Notification) { n.NewLevel = "Critical" }, `unknown new level "Critical"`},
		{"empty new level", func(n *Notification) { n.NewLevel = "" }, `unknown new level ""`},
		{"unknown previous level", func(n *Notification) { n.PreviousLevel = "low" }, `unknown previous level "low"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := testNotification(t)
			tt.modify(&n)
			_, err := Render(n)
			if err == nil {
				t.Fatal("Render() returned no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "sales/so-0042") {
				t.Errorf("error %q does not contain %q and the order", err, tt.want)
			}
			if Reason(err) != ReasonInvalidNotification || !IsPermanent(err) {
				t.Errorf("Reason() = %q, IsPermanent() = %v, expected %q and true", Reason(err), IsPermanent(err), ReasonInvalidNotification)
			}
		})
	}
}

func TestFormatTimeDaylightSaving(t *testing.T) {
	n := testNotification(t)
	// 2025-03-30 01:30 UTC is 03:30 CEST, after the clocks went forward.
	n.ComputedAt = time.Date(2025, 3, 30, 1, 30, 0, 0, time.UTC)
	email, err := Render(n)
	if err != nil {
		t.Fatalf("Render() error: %v", err)
	}
	if want := "Computed at 2025-03-30 03:30 CEST (Europe/Berlin)"; !strings.Contains(email.Text, want) {
		t.Errorf("text body lacks %q; body:\n%s", want, email.Text)
	}
}
