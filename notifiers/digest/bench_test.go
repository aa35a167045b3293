package digest

import (
	"context"
	"testing"
)

// BenchmarkBusyDay builds, renders and composes the digest of a day with
// 50 open suggestions; it reports the mail's size.
func BenchmarkBusyDay(b *testing.B) {
	src := Sources{Suggestions: listOf(busyDay(b, 50))}
	now, loc := morning(b), paris(b)
	var size int
	for b.Loop() {
		d, err := Build(context.Background(), src, now, loc, nil)
		if err != nil {
			b.Fatal(err)
		}
		r, err := Render(d)
		if err != nil {
			b.Fatal(err)
		}
		msg, err := Compose(Header{From: "agentd@example.com", To: "alice@example.com", MessageID: "digest.1@example.com", Date: now}, r)
		if err != nil {
			b.Fatal(err)
		}
		size = len(msg)
	}
	b.ReportMetric(float64(size), "bytes/mail")
}
