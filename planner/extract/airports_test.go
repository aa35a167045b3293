package extract

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
	_ "time/tzdata" // every zone of the table loads, whatever the host has
)

func TestAirportZones(t *testing.T) {
	if n := len(airportZones); n < 300 {
		t.Errorf("airportZones has %d airports, want at least 300", n)
	}
	code := regexp.MustCompile(`^[A-Z]{3}$`)
	for c, name := range airportZones {
		if !code.MatchString(c) {
			t.Errorf("%q is not an IATA airport code", c)
		}
		if _, err := time.LoadLocation(name); err != nil {
			t.Errorf("%s: zone %q: %v", c, name, err)
		}
	}
	tests := map[string]string{
		"CDG": "Europe/Paris", "ORY": "Europe/Paris", "YUL": "America/Toronto", "JFK": "America/New_York",
		"LGA": "America/New_York", "EWR": "America/New_York", "LHR": "Europe/London", "LGW": "Europe/London",
		"FRA": "Europe/Berlin", "MUC": "Europe/Berlin", "BER": "Europe/Berlin", "TXL": "Europe/Berlin",
		"SFO": "America/Los_Angeles", "LAX": "America/Los_Angeles", "ORD": "America/Chicago",
		"DEN": "America/Denver", "PHX": "America/Phoenix", "HNL": "Pacific/Honolulu", "NRT": "Asia/Tokyo",
		"HND": "Asia/Tokyo", "SYD": "Australia/Sydney", "DXB": "Asia/Dubai", "SIN": "Asia/Singapore",
		"GRU": "America/Sao_Paulo", "BOM": "Asia/Kolkata", "DEL": "Asia/Kolkata", "LYS": "Europe/Paris",
		"URC": "Asia/Shanghai", "TFS": "Atlantic/Canary",
	}
	for c, want := range tests {
		t.Run(c, func(t *testing.T) {
			if got, ok := AirportZone(c); !ok || got != want {
				t.Errorf("AirportZone(%q) = %q, %v, want %q", c, got, ok, want)
			}
		})
	}
	if z, ok := AirportZone("XQZ"); ok {
		t.Errorf("AirportZone(XQZ) = %q, want unknown", z)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

const yulReturn = `Dear Ms Alice Martin,

Your Air Canada booking is confirmed. Booking reference: K4PQ2Z

Outbound flight
Flight AC 873 - Economy
Date: Mon 14 Dec 2026
Departure: Paris CDG 13:30
Arrival:   Montréal YUL 15:10

Return flight
Flight AC 870 - Economy
Date: Sat 19 Dec 2026
Departure: Montréal YUL 10:35
Arrival:   Paris CDG 23:05

All times are local.
`

// TestBookingsDepartureZone checks that a flight departs at its airport's
// local time whatever the user's zone; trains and hotels stay in it.
func TestBookingsDepartureZone(t *testing.T) {
	fixture := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	type wantStart struct {
		ref   string
		start string // "2006-01-02 15:04" in zone, or in the user's zone when zone is ""
		zone  string
		utc   string // the same instant in UTC, computed by hand; "" to skip
	}
	tests := map[string]struct {
		user, subject, text string
		want                []wantStart
	}{
		"Paris user, CDG out and YUL back": {"Europe/Paris", "Your Air Canada booking", yulReturn, []wantStart{
			{"AC873", "2026-12-14 13:30", "Europe/Paris", "2026-12-14 12:30"},
			// 10:35 in Montréal (EST, UTC−5) is 16:35 in Paris, not 10:35.
			{"AC870", "2026-12-19 10:35", "America/Toronto", "2026-12-19 15:35"},
		}},
		"Paris user, CDG and BER departures": {"Europe/Paris", "Your Air France booking X7K2LM", fixture("flight_en.txt"), []wantStart{
			{"AF1234", "2026-12-14 07:35", "Europe/Paris", "2026-12-14 06:35"},
			{"AF1235", "2026-12-18 18:05", "Europe/Berlin", "2026-12-18 17:05"},
		}},
		"New York user, CDG departure stays Paris": {"America/New_York", "Your Air France booking X7K2LM", fixture("flight_en.txt"), []wantStart{
			{"AF1234", "2026-12-14 07:35", "Europe/Paris", "2026-12-14 06:35"},
			{"AF1235", "2026-12-18 18:05", "Europe/Berlin", "2026-12-18 17:05"},
		}},
		"London departure in a table row": {"Europe/Paris", "Ihre Flugbuchung", fixture("flight_de.txt"), []wantStart{
			{"BA304", "2027-01-14 09:15", "Europe/London", "2027-01-14 09:15"},
		}},
		"unknown airport falls back to the user's zone": {"Europe/Paris", "Your flight",
			"Flight ZZ 123\nDeparture: 14 Dec 2026 10:00 Springfield (XQZ)\nArrival: 14 Dec 2026 12:00 Shelbyville (XQY)\n",
			[]wantStart{{"ZZ123", "2026-12-14 10:00", "", "2026-12-14 09:00"}}},
		"no airport falls back to the user's zone": {"Europe/Paris", "Your flight",
			"Flight ZZ 123 departs 14 Dec 2026 at 10:00.\n",
			[]wantStart{{"ZZ123", "2026-12-14 10:00", "", "2026-12-14 09:00"}}},
		"DST: JFK on the US spring-forward day, Paris still on winter time": {"Europe/Paris", "Your flight",
			"Flight DL 264\nDeparture: Sun 14 Mar 2027 10:00 New York (JFK)\nArrival: Sun 14 Mar 2027 23:05 Paris (CDG)\n",
			[]wantStart{{"DL264", "2027-03-14 10:00", "America/New_York", "2027-03-14 14:00"}}},
		"DST: YUL at 02:30, inside the Paris spring-forward gap": {"Europe/Paris", "Your flight",
			"Flight AC 870\nDeparture: Sun 28 Mar 2027 02:30 Montréal (YUL)\nArrival: Sun 28 Mar 2027 15:00 Paris (CDG)\n",
			[]wantStart{{"AC870", "2027-03-28 02:30", "America/Toronto", "2027-03-28 06:30"}}},
		"DST: SYD on the day Sydney leaves summer time": {"Europe/Paris", "Your flight",
			"Flight QF 1\nDeparture: Sun 4 Apr 2027 10:00 Sydney (SYD)\nArrival: Sun 4 Apr 2027 21:00 London (LHR)\n",
			[]wantStart{{"QF1", "2027-04-04 10:00", "Australia/Sydney", "2027-04-04 00:00"}}},
		"train stays in the user's zone": {"Europe/Paris", "Votre e-billet", fixture("train_fr.txt"), []wantStart{
			{"TGV INOUI 6201", "2026-12-19 08:04", "", ""},
		}},
		"hotel stays in the user's zone": {"Europe/Paris", "Booking confirmation", fixture("hotel_en.txt"), []wantStart{
			{"4711-0815", "2026-12-14 15:00", "", ""},
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			user := mustZone(t, tc.user)
			ref := time.Date(2026, 12, 9, 10, 30, 0, 0, user)
			got := Bookings(tc.subject, tc.text, "", ref, user)
			if len(got) != len(tc.want) {
				t.Fatalf("Bookings = %+v, want %d bookings", got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				in := user
				if w.zone != "" {
					in = mustZone(t, w.zone)
				}
				start, err := time.ParseInLocation("2006-01-02 15:04", w.start, in)
				if err != nil {
					t.Fatal(err)
				}
				if g.Ref != w.ref || g.Zone != w.zone {
					t.Errorf("booking %d = %s in %q, want %s in %q", i, g.Ref, g.Zone, w.ref, w.zone)
				}
				if !g.Start.Equal(start) {
					t.Errorf("booking %d start = %v, want %s %s", i, g.Start, w.start, in)
				}
				if g.Start.Location().String() != in.String() {
					t.Errorf("booking %d start in %s, want %s", i, g.Start.Location(), in)
				}
				if w.utc != "" {
					if u := g.Start.UTC().Format("2006-01-02 15:04"); u != w.utc {
						t.Errorf("booking %d start = %s UTC, want %s UTC", i, u, w.utc)
					}
				}
			}
		})
	}
}
