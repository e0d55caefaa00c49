// Package loopback finds free addresses on 127.0.0.1 for the servers that
// tests start.
package loopback

import (
	"fmt"
	"net"
)

// FreeAddress returns 127.0.0.1 with a port that was free a moment ago.
// Another process can take the port before the caller binds it, so a caller
// whose server fails to bind should try again with a new address.
func FreeAddress() (string, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free loopback port: %w", err)
	}
	address := listener.Addr().String()
	return address, listener.Close()
}
