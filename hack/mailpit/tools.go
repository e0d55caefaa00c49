//go:build tools

// Package mailpit pins the Mailpit command that hack/mailpit/build.sh builds,
// so that go mod tidy keeps its dependencies.
package mailpit

import _ "github.com/axllent/mailpit"
