package imapdial

import (
	"context"
	"errors"
	"net"
	"testing"
)

func TestDefaults(t *testing.T) {
	tests := []struct {
		mode     string
		port     int
		wantMode string
		wantPort int
	}{
		{"", 0, TLSImplicit, 993},
		{" StartTLS ", 0, TLSStartTLS, 143},
		{"none", 0, TLSNone, 143},
		{"implicit", 1993, TLSImplicit, 1993},
	}
	for _, tc := range tests {
		mode, port := Defaults(tc.mode, tc.port)
		if mode != tc.wantMode || port != tc.wantPort {
			t.Errorf("Defaults(%q, %d) = %q, %d; want %q, %d", tc.mode, tc.port, mode, port, tc.wantMode, tc.wantPort)
		}
	}
}

func TestDialErrorNamesAddrOnlyWhenAsked(t *testing.T) {
	refused := errors.New("refused")
	dial := func(context.Context, string, string) (net.Conn, error) { return nil, refused }
	for addrInErrors, want := range map[bool]string{
		false: "dial: refused",
		true:  "dial 127.0.0.1:143: refused",
	} {
		_, err := Dial(context.Background(), Config{Host: "127.0.0.1", Port: 143, TLS: TLSNone, Dial: dial, AddrInErrors: addrInErrors})
		if err == nil || err.Error() != want || !errors.Is(err, refused) {
			t.Errorf("AddrInErrors %v: err = %v, want %q", addrInErrors, err, want)
		}
	}
}
