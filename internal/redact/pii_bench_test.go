package redact

import (
	"strings"
	"testing"
)

func BenchmarkTextMail4KB(b *testing.B) {
	mail := strings.Repeat(typicalMail, 4096/len(typicalMail)+1)[:4096]
	b.SetBytes(int64(len(mail)))
	for b.Loop() {
		NewRedactor(nil).Text(mail)
	}
}

func BenchmarkText1MB(b *testing.B) {
	text := strings.Repeat(typicalMail, (1<<20)/len(typicalMail)+1)[:1<<20]
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		NewRedactor(nil).Text(text)
	}
}

// BenchmarkText1MBProse is text with almost nothing to redact: the cost of
// scanning alone.
func BenchmarkText1MBProse(b *testing.B) {
	para := "The quarterly review is on Thursday at 14:30 in room 4.12; please bring the figures for Q3 2024 (up 12.5% on last year) and the draft of version 2.3.1. "
	text := strings.Repeat(para, (1<<20)/len(para)+1)[:1<<20]
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		NewRedactor(nil).Text(text)
	}
}
