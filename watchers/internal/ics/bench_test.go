package ics

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// syntheticCalendar builds n events over 2026, 30 % of them recurring: a mix
// of daily, weekly and monthly rules in Paris, New York, UTC and floating
// time, with EXDATEs and some moved or cancelled instances. The seed is
// fixed, so every run expands the same calendar.
func syntheticCalendar(n int) string {
	rng := rand.New(rand.NewPCG(1, 2))
	zones := []string{";TZID=Europe/Paris", ";TZID=America/New_York", "", ";TZID=W. Europe Standard Time"}
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//agentd//bench//EN\r\n")
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		start := base.Add(time.Duration(rng.IntN(500*24)) * time.Hour).Truncate(30 * time.Minute)
		zone := zones[rng.IntN(len(zones))]
		stamp := start.Format("20060102T150405")
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:ev-%d@bench\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:Event %d\r\n", i, i)
		if rng.IntN(20) == 0 {
			fmt.Fprintf(&b, "DTSTART;VALUE=DATE:%s\r\n", start.Format("20060102"))
		} else {
			fmt.Fprintf(&b, "DTSTART%s:%s\r\nDURATION:PT%dM\r\n", zone, stamp, 30*(1+rng.IntN(4)))
		}
		if i%10 < 3 { // 30 % recurring
			var rule string
			step := 24 * time.Hour
			switch rng.IntN(3) {
			case 0:
				rule = "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"
			case 1:
				rule, step = "FREQ=WEEKLY;INTERVAL="+fmt.Sprint(1+rng.IntN(2)), 7*24*time.Hour
			default:
				rule, step = "FREQ=MONTHLY;BYDAY=2TU", 0
			}
			if rng.IntN(4) == 0 {
				rule += ";COUNT=" + fmt.Sprint(10+rng.IntN(50))
			}
			fmt.Fprintf(&b, "RRULE:%s\r\n", rule)
			if step > 0 {
				ex := []string{}
				for k := 1; k <= 3; k++ {
					ex = append(ex, start.Add(time.Duration(k*5)*step).Format("20060102T150405"))
				}
				fmt.Fprintf(&b, "EXDATE%s:%s\r\n", zone, strings.Join(ex, ","))
			}
			b.WriteString("END:VEVENT\r\n")
			if step > 0 && rng.IntN(3) == 0 {
				rid := start.Add(2 * step)
				status := ""
				if rng.IntN(2) == 0 {
					status = "STATUS:CANCELLED\r\n"
				}
				fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:ev-%d@bench\r\nDTSTAMP:20250101T000000Z\r\nRECURRENCE-ID%s:%s\r\nDTSTART%s:%s\r\nDURATION:PT45M\r\nSUMMARY:Event %d moved\r\n%sEND:VEVENT\r\n",
					i, zone, rid.Format("20060102T150405"), zone, rid.Add(90*time.Minute).Format("20060102T150405"), i, status)
			}
			continue
		}
		b.WriteString("END:VEVENT\r\n")
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

// BenchmarkExpand expands a 5,000-event calendar (30 % recurring) over one
// year: ns/op and allocs/op are per whole-calendar expansion.
func BenchmarkExpand(b *testing.B) {
	cal, err := Parse(strings.NewReader(syntheticCalendar(5000)))
	if err != nil {
		b.Fatal(err)
	}
	if len(cal.Warnings) > 0 {
		b.Fatalf("warnings: %v", cal.Warnings)
	}
	paris := mustLoc(b, "Europe/Paris")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		occ, err := cal.Occurrences(from, to, paris)
		if err != nil {
			b.Fatal(err)
		}
		n = len(occ)
	}
	b.ReportMetric(float64(n), "occurrences/op")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "occurrences/s")
}

// BenchmarkParse parses the same calendar (about 1 MB).
func BenchmarkParse(b *testing.B) {
	data := syntheticCalendar(5000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(strings.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
