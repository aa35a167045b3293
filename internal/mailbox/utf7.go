// Package mailbox holds what the mail watchers and the drafts store both
// need to know about mailbox names: IMAP's modified UTF-7, which Dovecot,
// offlineimap and mbsync keep in folder names on disk.
package mailbox

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
)

// DecodeModifiedUTF7 decodes IMAP's modified UTF-7 (RFC 3501 5.1.3):
// "Envoy&AOk-s" is "Envoyés", "&-" is "&". A name that is not valid
// modified UTF-7 is returned unchanged: it was probably plain UTF-8.
func DecodeModifiedUTF7(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '&' {
			if c < 0x20 || c > 0x7e {
				return s
			}
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return s
		}
		enc := s[i+1 : i+1+end]
		i += end + 2
		if enc == "" {
			b.WriteByte('&')
			continue
		}
		raw, err := base64.RawStdEncoding.DecodeString(strings.ReplaceAll(enc, ",", "/"))
		if err != nil || len(raw)%2 != 0 {
			return s
		}
		units := make([]uint16, len(raw)/2)
		for j := range units {
			units[j] = uint16(raw[2*j])<<8 | uint16(raw[2*j+1])
		}
		for _, r := range utf16.Decode(units) {
			if r == 0xfffd {
				return s
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
