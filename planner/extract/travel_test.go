package extract

import (
	"testing"
	"time"
)

func loadZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

// TestBookingLegs: every leg of a trip is a booking of its own, with the
// boarding and gate-closing times the mail gives and, for a connection,
// a mark that the traveller is already there.
func TestBookingLegs(t *testing.T) {
	loc := loadZone(t, "Europe/Paris")
	ref := time.Date(2026, 3, 2, 10, 0, 0, 0, loc)
	at := func(s string) time.Time {
		t.Helper()
		if s == "" {
			return time.Time{}
		}
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	type leg struct {
		kind, ref, start, boarding, gate string
		connection                       bool
	}
	tests := map[string]struct {
		subject, lang, text string
		want                []leg
	}{
		"trains out and back, fr": {"Votre voyage Paris - Lyon", "fr", `Bonjour,

Aller : jeudi 12 mars 2026
TGV INOUI 6611  Paris Gare de Lyon → Lyon Part-Dieu
Départ 08:40 - Arrivée 10:36

Retour : vendredi 13 mars 2026
TGV INOUI 6684  Lyon Part-Dieu → Paris Gare de Lyon
Départ 18:04 - Arrivée 20:00
`, []leg{
			{kind: KindTrain, ref: "TGV INOUI 6611", start: "2026-03-12 08:40"},
			{kind: KindTrain, ref: "TGV INOUI 6684", start: "2026-03-13 18:04"},
		}},
		"trains out and back, de": {"Ihre Buchung", "de", `Hinfahrt am 12.03.2026
ICE 597 Berlin Hbf → München Hbf, Abfahrt 08:40 Uhr

Rückfahrt am 14.03.2026
ICE 1006 München Hbf → Berlin Hbf, Abfahrt 17:20 Uhr
`, []leg{
			{kind: KindTrain, ref: "ICE 597", start: "2026-03-12 08:40"},
			{kind: KindTrain, ref: "ICE 1006", start: "2026-03-14 17:20"},
		}},
		"trains out and back, en": {"Your Eurostar booking", "en", `Booking reference: PZX4QK

Outbound: Thursday 12 March 2026
Eurostar 9014  London St Pancras → Paris Gare du Nord
Departs 08:01, arrives 11:20

Return: Friday 13 March 2026
Eurostar 9047  Paris Gare du Nord → London St Pancras
Departs 19:13, arrives 20:30
`, []leg{
			{kind: KindTrain, ref: "Eurostar 9014", start: "2026-03-12 08:01"},
			{kind: KindTrain, ref: "Eurostar 9047", start: "2026-03-13 19:13"},
		}},
		"flight with boarding, fr": {"Votre vol", "fr", `Vol AF 1234
Départ : 12 mars 2026 à 07h35 Paris (CDG)
Arrivée : 12 mars 2026 à 09h20 Berlin (BER)
Embarquement : 06h55
`, []leg{
			{kind: KindFlight, ref: "AF1234", start: "2026-03-12 07:35", boarding: "2026-03-12 06:55"},
		}},
		"connection with relative gate closing, de": {"Ihre Reise", "de", `Flug 1: LH 2231 München (MUC) → Frankfurt (FRA)
Abflug 12.03.2026 06:50

Flug 2: LH 400 Frankfurt (FRA) → New York (JFK)
Abflug 12.03.2026 10:05

Das Gate schließt 20 Minuten vor Abflug.
`, []leg{
			{kind: KindFlight, ref: "LH2231", start: "2026-03-12 06:50", gate: "2026-03-12 06:30"},
			{kind: KindFlight, ref: "LH400", start: "2026-03-12 10:05", gate: "2026-03-12 09:45", connection: true},
		}},
		"connecting flights with boarding, en": {"Your trip to Vienna", "en", `Booking reference: QX7ZP2

Flight LH 1035
Departure: 12 March 2026 07:00 Paris (CDG)
Arrival: 12 March 2026 08:20 Frankfurt (FRA)
Boarding: 06:20 - Gate closes 06:40

Flight LH 1234
Departure: 12 March 2026 09:30 Frankfurt (FRA)
Arrival: 12 March 2026 10:40 Vienna (VIE)
Boarding 08:55
`, []leg{
			{kind: KindFlight, ref: "LH1035", start: "2026-03-12 07:00", boarding: "2026-03-12 06:20", gate: "2026-03-12 06:40"},
			{kind: KindFlight, ref: "LH1234", start: "2026-03-12 09:30", boarding: "2026-03-12 08:55", connection: true},
		}},
		"flight with gate closing, fr": {"Votre vol", "fr", `Vol AF 7712
Départ : 12 mars 2026 à 14h10 Paris Orly (ORY)
Arrivée : 12 mars 2026 à 15h35 Nice (NCE)
Fermeture de la porte d'embarquement : 13h50
`, []leg{
			{kind: KindFlight, ref: "AF7712", start: "2026-03-12 14:10", gate: "2026-03-12 13:50"},
		}},
		"flight with boarding time, de": {"Ihr Flug", "de", `Flug LH 2231
Abflug: 12.03.2026 um 06:50 Uhr München (MUC)
Ankunft: 12.03.2026 um 08:10 Uhr Hamburg (HAM)
Boarding: 06:15 Uhr
`, []leg{
			{kind: KindFlight, ref: "LH2231", start: "2026-03-12 06:50", boarding: "2026-03-12 06:15"},
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Bookings(tc.subject, tc.text, tc.lang, ref, loc)
			if len(got) != len(tc.want) {
				t.Fatalf("Bookings = %+v, want %d legs", got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Kind != w.kind || g.Ref != w.ref || g.Connection != w.connection {
					t.Errorf("leg %d = %+v, want %+v", i, g, w)
				}
				if !g.Start.Equal(at(w.start)) {
					t.Errorf("leg %d start = %v, want %s", i, g.Start, w.start)
				}
				if !g.Boarding.Equal(at(w.boarding)) {
					t.Errorf("leg %d boarding = %v, want %s", i, g.Boarding, w.boarding)
				}
				if !g.GateCloses.Equal(at(w.gate)) {
					t.Errorf("leg %d gate closes = %v, want %s", i, g.GateCloses, w.gate)
				}
			}
		})
	}
}

func TestTripTime(t *testing.T) {
	tests := map[string]time.Duration{
		"It's about 45 min door to door from your place.":            45 * time.Minute,
		"The drive takes around 1 hour.":                             time.Hour,
		"Allow 1h30 to get there by train.":                          90 * time.Minute,
		"We are 20 minutes away by bike.":                            20 * time.Minute,
		"Comptez 35 minutes de trajet depuis la gare.":               35 * time.Minute,
		"Le cabinet est à 25 min à pied du métro.":                   25 * time.Minute,
		"Temps de trajet : 1 h 15":                                   75 * time.Minute,
		"Die Anfahrt dauert ca. 40 Minuten.":                         40 * time.Minute,
		"Fahrzeit: 1 Stunde":                                         time.Hour,
		"Sie brauchen 30 Min. mit dem Auto.":                         30 * time.Minute,
		"Please arrive 10 minutes early.":                            0,
		"The meeting lasts 45 minutes.":                              0,
		"Merci d'arriver 15 minutes en avance, la séance dure 1 h.":  0,
		"Bitte kommen Sie 10 Minuten früher; der Termin dauert 1 h.": 0,
	}
	for text, want := range tests {
		got, ok := TripTime(text)
		if got != want || ok != (want > 0) {
			t.Errorf("TripTime(%q) = %v, %v; want %v", text, got, ok, want)
		}
	}
}

// TestParcelPresence: a delivery that needs a signature or someone at
// home is a parcel with its window; a plain shipping notice is not one.
func TestParcelPresence(t *testing.T) {
	loc := loadZone(t, "Europe/Berlin")
	ref := time.Date(2026, 3, 10, 7, 0, 0, 0, loc)
	tests := map[string]struct {
		lang, subject, text string
		presence            bool
		start, end          string // "" for no parcel
	}{
		"en signature window":    {"en", "Your UPS delivery", "Your package 1Z999AA10123456784 will be delivered on Thursday 12 March 2026 between 10:00 and 14:00. A signature is required.", true, "2026-03-12 10:00", "2026-03-12 14:00"},
		"fr présence":            {"fr", "Livraison de votre colis", "Votre colis Chronopost XY123456789FR sera livré le 12 mars 2026 entre 8h et 13h. Remise contre signature : une personne doit être présente.", true, "2026-03-12 08:00", "2026-03-12 13:00"},
		"de Unterschrift":        {"de", "Ihre Sendung", "Ihr Paket 00340434161234567890 wird am 12.03.2026 zwischen 9:00 und 12:00 Uhr zugestellt. Die Zustellung erfolgt nur gegen Unterschrift.", true, "2026-03-12 09:00", "2026-03-12 12:00"},
		"en pm window":           {"en", "Delivery today", "Your DHL parcel is out for delivery. Adult signature required. Expected between 1pm and 5pm.", true, "2026-03-10 13:00", "2026-03-10 17:00"},
		"plain shipped notice":   {"en", "Your order has shipped", "Good news: your order has shipped with DHL. Tracking number JD014600003828471234. Estimated delivery: 12 March 2026.", false, "", ""},
		"plain out for delivery": {"en", "Out for delivery", "Your parcel is out for delivery today.", false, "2026-03-10 18:00", ""},
	}
	at := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		v, _ := time.ParseInLocation("2006-01-02 15:04", s, loc)
		return v
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var parcel *Booking
			for _, b := range Bookings(tc.subject, tc.text, tc.lang, ref, loc) {
				if b.Kind == KindParcel {
					parcel = &b
				}
			}
			if tc.start == "" {
				if parcel != nil {
					t.Fatalf("a plain shipping notice is a parcel to wait for: %+v", parcel)
				}
				return
			}
			if parcel == nil {
				t.Fatal("no parcel")
			}
			if parcel.Presence != tc.presence || !parcel.Start.Equal(at(tc.start)) || !parcel.End.Equal(at(tc.end)) {
				t.Errorf("parcel = presence %v %v–%v, want %v %s–%s", parcel.Presence, parcel.Start, parcel.End, tc.presence, tc.start, tc.end)
			}
		})
	}
}

// TestRelativeBoarding: times given relative to departure, once for all
// flights of the mail, and a timetable row's clock time.
func TestRelativeBoarding(t *testing.T) {
	tokyo := loadZone(t, "Asia/Tokyo")
	ref := time.Date(2027, 3, 1, 10, 0, 0, 0, tokyo)
	text := `Flight 1: NH 223
Tokyo Haneda (HND) 12 Mar 2027 10:50 -> Frankfurt (FRA) 12 Mar 2027 17:35

Flight 2: LH 1046 (operated by Lufthansa)
Frankfurt (FRA) 12 Mar 2027 19:25 -> Paris Charles de Gaulle (CDG) 12 Mar 2027 20:40

Times are local. Boarding gates close 20 minutes before departure.`
	got := Bookings("Itinerary", text, "en", ref, tokyo)
	if len(got) != 2 {
		t.Fatalf("legs = %+v", got)
	}
	for _, b := range got {
		if b.Start.Sub(b.GateCloses) != 20*time.Minute || !b.Boarding.IsZero() {
			t.Errorf("%s: gate closes %v, boarding %v, departs %v", b.Ref, b.GateCloses, b.Boarding, b.Start)
		}
	}
	if got[0].Connection || !got[1].Connection {
		t.Errorf("connection = %v, %v; want the second leg only", got[0].Connection, got[1].Connection)
	}

	berlin := loadZone(t, "Europe/Berlin")
	row := "Hinfahrt am 12.03.2027\nBerlin Hbf ab 07:34 Gleis 13   ICE 1001\nMünchen Hbf an 11:38\n"
	trains := Bookings("Ihre Buchung", row, "de", time.Date(2027, 3, 1, 10, 0, 0, 0, berlin), berlin)
	if len(trains) != 1 || !trains[0].Start.Equal(time.Date(2027, 3, 12, 7, 34, 0, 0, berlin)) {
		t.Errorf("timetable row = %+v, want ICE 1001 at 07:34", trains)
	}
}

func TestParcelPresenceWords(t *testing.T) {
	for text, want := range map[string]bool{
		"die übernahme muss mit unterschrift bestätigt werden.":  true,
		"bitte sorgen sie dafür, dass jemand zu hause ist.":      true,
		"please make sure someone is home between 8 and 12.":     true,
		"merci de vous assurer que quelqu'un soit présent.":      true,
		"no signature required: we leave it at your door.":       false,
		"die zustellung erfolgt ohne unterschrift.":              false,
		"livraison sans signature dans votre boîte aux lettres.": false,
	} {
		if got := needsPresence(text); got != want {
			t.Errorf("needsPresence(%q) = %v, want %v", text, got, want)
		}
	}
}
