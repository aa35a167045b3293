package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
)

// plainMail is a text/plain mail to me@example.com.
func travelMail(id, from, date, subject, body string) string {
	return fmt.Sprintf("Message-ID: <%s>\r\nFrom: %s\r\nTo: Me <me@example.com>\r\nDate: %s\r\nSubject: %s\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s",
		id, from, date, subject, strings.ReplaceAll(body, "\n", "\r\n"))
}

// planned runs Plan on mails as of at and returns the suggestions.
func planned(t *testing.T, mails map[string]string, at time.Time, horizon time.Duration, extra ...string) []event.Suggestion {
	t.Helper()
	cfg := maildirConfig(t, mails, extra...)
	ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: horizon})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	return ss
}

func listed(ss []event.Suggestion, loc *time.Location) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "%s [%s] due %s: %s\n", s.Kind, s.Priority, s.Due.In(loc).Format("Mon 02 15:04"), s.Title)
	}
	return b.String()
}

// find is the suggestion whose title holds all of parts.
func find(ss []event.Suggestion, parts ...string) *event.Suggestion {
	for i, s := range ss {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(s.Title, p)
		}
		if ok {
			return &ss[i]
		}
	}
	return nil
}

// TestPlanEveryLegOfATrip: both trains of a return trip and both flights of
// a connection get a reminder to leave (or to make the connection) before
// departure, boarding honoured, besides the check-in.
func TestPlanEveryLegOfATrip(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	train := travelMail("sncf-1@sncf.example", "SNCF Connect <confirmation@sncf.example>", "Mon, 09 Mar 2026 18:00:00 +0100",
		"Votre voyage Paris - Lyon", `Bonjour,

Votre voyage est confirmé. Référence de dossier : QZT3LP

Aller : jeudi 12 mars 2026
TGV INOUI 6611  Paris Gare de Lyon → Lyon Part-Dieu
Départ 08:40 - Arrivée 10:36

Retour : vendredi 13 mars 2026
TGV INOUI 6684  Lyon Part-Dieu → Paris Gare de Lyon
Départ 18:04 - Arrivée 20:00
`)
	flight := travelMail("lh-1@lh.example", "Lufthansa <booking@lh.example>", "Mon, 09 Mar 2026 19:00:00 +0100",
		"Your trip to Vienna", `Dear Me,

Booking reference: QX7ZP2

Flight LH 1035
Departure: 14 March 2026 07:00 Paris (CDG)
Arrival: 14 March 2026 08:20 Frankfurt (FRA)
Boarding: 06:20 - Gate closes 06:40

Flight LH 1234
Departure: 14 March 2026 09:30 Frankfurt (FRA)
Arrival: 14 March 2026 10:40 Vienna (VIE)
Boarding 08:55
`)
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, paris)
	ss := planned(t, map[string]string{"1.train": train, "2.flight": flight}, at, 6*24*time.Hour)
	all := listed(ss, paris)

	due := func(want string, parts ...string) {
		t.Helper()
		s := find(ss, parts...)
		if s == nil {
			t.Errorf("no suggestion with %q:\n%s", parts, all)
			return
		}
		if got := s.Due.In(paris).Format("Mon 02 15:04"); got != want {
			t.Errorf("%q due %s, want %s:\n%s", s.Title, got, want, all)
		}
	}
	// Trains: at the station 10 min before, leave 45 min (planner.leave_before) before that.
	due("Thu 12 07:45", "Leave for the station", "6611")
	due("Fri 13 17:09", "Leave for the station", "6684")
	// The first flight: at the airport 45 min before boarding (05:35), leave 45 min earlier.
	due("Sat 14 04:50", "Leave for the airport", "LH 1035")
	// The connection: no trip to the airport, a nudge before boarding.
	due("Sat 14 08:40", "Next leg", "LH 1234")
	if s := find(ss, "Leave for the airport", "LH 1234"); s != nil {
		t.Errorf("a connecting flight does not need a trip to the airport: %s", s.Title)
	}
	if s := find(ss, "Check-in opens", "LH 1035"); s == nil {
		t.Errorf("the check-in reminder is gone:\n%s", all)
	}
}

// TestPlanLeaveByTripTime: a booking mail that says how long the way to the
// station takes moves the reminder to departure - trip - 10 min.
func TestPlanLeaveByTripTime(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	mail := travelMail("db-1@db.example", "DB <buchung@db.example>", "Mon, 09 Mar 2026 18:00:00 +0100",
		"Ihre Fahrkarte", `Guten Tag,

Hinfahrt am 12.03.2026
ICE 597 Berlin Hbf → München Hbf, Abfahrt 08:40 Uhr

Ihre Anfahrt zum Bahnhof: ca. 30 Minuten mit der S-Bahn.
`)
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, berlin)
	ss := planned(t, map[string]string{"1.db": mail}, at, 4*24*time.Hour)
	s := find(ss, "Leave for the station", "ICE 597")
	if s == nil {
		t.Fatalf("no reminder to leave:\n%s", listed(ss, berlin))
	}
	// 08:40 - 10 min at the station - (30 min + 10 min) = 07:50.
	if got := s.Due.In(berlin).Format("15:04"); got != "07:50" {
		t.Errorf("due %s, want 07:50", got)
	}
}

// TestPlanParcelsThatNeedSomeone: a delivery that needs a signature is
// reminded before its window; plain shipping notices stay quiet.
func TestPlanParcelsThatNeedSomeone(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	signature := travelMail("ups-1@ups.example", "UPS <pkginfo@ups.example>", "Mon, 09 Mar 2026 18:00:00 +0100",
		"Your UPS delivery", "Your package 1Z999AA10123456784 will be delivered on Thursday 12 March 2026 between 10:00 and 14:00.\nA signature is required.")
	colis := travelMail("cp-1@chronopost.example", "Chronopost <noreply@chronopost.example>", "Mon, 09 Mar 2026 18:30:00 +0100",
		"Livraison de votre colis", "Votre colis XY123456789FR sera livré le 13 mars 2026 entre 8h et 13h.\nRemise contre signature : une personne doit être présente.")
	shipped := travelMail("shop-1@shop.example", "Shop <noreply@shop.example>", "Mon, 09 Mar 2026 18:40:00 +0100",
		"Your order has shipped", "Good news: your order has shipped with DHL. Tracking number JD014600003828471234. Estimated delivery: 12 March 2026.")
	outForDelivery := travelMail("dhl-1@dhl.example", "DHL <noreply@dhl.example>", "Tue, 10 Mar 2026 07:40:00 +0100",
		"Your parcel is on its way", "Good news! Your DHL parcel is out for delivery.\nTracking number: JD014600003828479999")
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, paris)
	ss := planned(t, map[string]string{"1.ups": signature, "2.colis": colis, "3.shipped": shipped, "4.dhl": outForDelivery}, at, 5*24*time.Hour)
	all := listed(ss, paris)
	ups := find(ss, "1Z999AA10123456784")
	if ups == nil || ups.Kind != event.KindReminder || ups.Due.In(paris).Format("Mon 02 15:04") != "Thu 12 09:00" ||
		!strings.Contains(ups.Title, "10:00–14:00") {
		t.Errorf("the UPS delivery needing a signature is not reminded at 09:00 for 10:00–14:00:\n%s", all)
	}
	if cp := find(ss, "XY123456789FR"); cp == nil || cp.Due.In(paris).Format("Mon 02 15:04") != "Fri 13 07:00" {
		t.Errorf("the Chronopost delivery is not reminded at 07:00:\n%s", all)
	}
	for _, quiet := range []string{"JD014600003828471234", "JD014600003828479999", "Your order has shipped"} {
		if s := find(ss, quiet); s != nil {
			t.Errorf("a plain shipping notice is suggested: %s", s.Title)
		}
	}
}
