package correspondence

import (
	"testing"
	"time"

	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/planner/extract"
)

func TestLegAndParcelFacts(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	dep := time.Date(2026, 3, 12, 7, 0, 0, 0, loc)
	tests := map[string]struct {
		b    extract.Booking
		text string
		want time.Time // be_there_at
		trip time.Duration
	}{
		"train":             {extract.Booking{Kind: extract.KindTrain, Start: dep}, "", dep.Add(-10 * time.Minute), 0},
		"flight":            {extract.Booking{Kind: extract.KindFlight, Start: dep}, "", dep.Add(-2 * time.Hour), 0},
		"flight, boarding":  {extract.Booking{Kind: extract.KindFlight, Start: dep, Boarding: dep.Add(-40 * time.Minute)}, "", dep.Add(-85 * time.Minute), 0},
		"flight, gate":      {extract.Booking{Kind: extract.KindFlight, Start: dep, GateCloses: dep.Add(-20 * time.Minute)}, "", dep.Add(-80 * time.Minute), 0},
		"connection":        {extract.Booking{Kind: extract.KindFlight, Start: dep, Connection: true}, "", dep.Add(-15 * time.Minute), 0},
		"train, trip given": {extract.Booking{Kind: extract.KindTrain, Start: dep}, "It is 25 min by bike to the station.", dep.Add(-10 * time.Minute), 35 * time.Minute},
	}
	for name, tc := range tests {
		u := planner.Unit{Facts: map[string]any{}}
		legFacts(&u, tc.b, tc.text, loc)
		if got, _ := u.Facts["be_there_at"].(time.Time); !got.Equal(tc.want) {
			t.Errorf("%s: be_there_at = %v, want %v", name, got, tc.want)
		}
		if got := u.Facts["trip_before"]; got != tc.trip {
			t.Errorf("%s: trip_before = %v, want %v", name, got, tc.trip)
		}
	}

	written := time.Date(2026, 3, 12, 9, 30, 0, 0, loc)
	u := planner.Unit{Facts: map[string]any{}}
	parcelFacts(&u, extract.Booking{Kind: extract.KindParcel, Presence: true, Start: written.Add(30 * time.Minute), End: written.Add(4 * time.Hour)}, written, loc)
	if got := u.Facts["remind_at"].(time.Time); !got.Equal(written) {
		t.Errorf("a window starting in 30 min is reminded at %v, want when the mail came (%v)", got, written)
	}
	if u.Facts["window"] != "10:00–13:30" || u.Facts["needs_presence"] != true {
		t.Errorf("facts = %v", u.Facts)
	}
}
