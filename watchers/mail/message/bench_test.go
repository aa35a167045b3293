package message

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkParseCorpus parses every mail of the corpus once per iteration
// and reports mails/s (MB/s comes from SetBytes).
func BenchmarkParseCorpus(b *testing.B) {
	_, files := corpusMails(b)
	var mails [][]byte
	var total int64
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		mails = append(mails, data)
		total += int64(len(data))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, data := range mails {
			if _, err := Parse(bytes.NewReader(data), Options{}); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "mails/s")
	b.ReportMetric(float64(len(mails)), "mails/op")
}

// BenchmarkParseTestdata parses the realistic testdata mails (small
// multipart mails with HTML, calendars and attachments).
func BenchmarkParseTestdata(b *testing.B) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no testdata: %v", err)
	}
	var mails [][]byte
	var total int64
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		mails = append(mails, data)
		total += int64(len(data))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, data := range mails {
			if _, err := Parse(bytes.NewReader(data), Options{}); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "mails/s")
}

// BenchmarkParseHostile parses inputs built to trigger quadratic work
// (long folded headers, huge address lists, deep hidden HTML); each should
// stay linear in its size, which ns/op and MB/s make visible.
func BenchmarkParseHostile(b *testing.B) {
	inputs := map[string]string{
		"folded header":    "Subject: a\n" + strings.Repeat(" b\n", 100_000) + "\nbody",
		"many headers":     strings.Repeat("X-A: b\n", 50_000) + "\nbody",
		"address list":     "To: " + strings.Repeat("a@b.example, ", 20_000) + "\n\nbody",
		"broken addresses": "To: " + strings.Repeat("<a@b, ", 20_000) + "\n\nbody",
		"encoded words":    "Subject: " + strings.Repeat("=?utf-8?q?a?= ", 20_000) + "\n\nbody",
		"hidden html":      "Content-Type: text/html\n\n" + strings.Repeat("<div style='display:none'>", 20_000),
		"html links":       "Content-Type: text/html\n\n" + strings.Repeat("<a href='http://x.example'>y", 20_000),
		"empty parts":      "Content-Type: multipart/mixed; boundary=a\n\n" + strings.Repeat("--a\n\n", 20_000),
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := Parse(strings.NewReader(in), Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
