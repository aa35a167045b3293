package extract

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestTry(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Paris")
	ref := time.Date(2026, 12, 9, 10, 30, 0, 0, loc)
	for _, unit := range []string{"1.2.", "12 ", "Dec ", "1", "a", "by ", "Friday ", "12:00 ", "1.", "Mo, ", "in 2 ", "bis ", "AF12 flight ", "\n", "> x\n", "On x\n", "0", "12/", ". ", "?"} {
		s := strings.Repeat(unit, 4096/len(unit))
		st := time.Now()
		Deadlines(s, "", ref, loc)
		d1 := time.Since(st)
		st = time.Now()
		Bookings("", s, "", ref, loc)
		d2 := time.Since(st)
		st = time.Now()
		Question(s, "")
		d3 := time.Since(st)
		fmt.Printf("%-14q %v %v %v\n", unit, d1, d2, d3)
	}
}
