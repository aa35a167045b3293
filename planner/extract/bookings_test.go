package extract

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestBookings(t *testing.T) {
	loc := paris(t)
	ref := time.Date(2026, 12, 9, 10, 30, 0, 0, loc)
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
	type wantBooking struct {
		kind, ref, title, start, due, amount, location string
	}
	tests := map[string]struct {
		file, subject, lang string
		want                []wantBooking
	}{
		"flight/en return trip": {"flight_en.txt", "Your Air France booking X7K2LM", "en", []wantBooking{
			{KindFlight, "AF1234", "Flight AF 1234 Paris CDG → Berlin BER", "2026-12-14 07:35", "", "", "Paris CDG"},
			{KindFlight, "AF1235", "Flight AF 1235 Berlin BER → Paris CDG", "2026-12-18 18:05", "", "", "Berlin BER"},
		}},
		"flight/fr": {"flight_fr.txt", "Confirmation de votre vol", "fr", []wantBooking{
			{KindFlight, "LH2231", "Vol LH 2231 Lyon LYS → Munich MUC", "2026-12-15 06:50", "", "", "Lyon LYS"},
		}},
		"flight/de table row with date first": {"flight_de.txt", "Ihre Flugbuchung", "de", []wantBooking{
			// 09:15 at Heathrow, London time: 10:15 in Paris.
			{KindFlight, "BA304", "Flug BA 304 LHR → TXL", "2027-01-14 10:15", "", "", "LHR"},
		}},
		"train/fr": {"train_fr.txt", "Votre e-billet", "fr", []wantBooking{
			{KindTrain, "TGV INOUI 6201", "Train TGV INOUI 6201 Paris Gare de Lyon → Lyon Part-Dieu", "2026-12-19 08:04", "", "", "Paris Gare de Lyon"},
		}},
		"hotel/en": {"hotel_en.txt", "Booking confirmation", "en", []wantBooking{
			{KindHotel, "4711-0815", "Hotel Adlon Kempinski Berlin (4711-0815)", "2026-12-14 15:00", "", "", "Hotel Adlon Kempinski Berlin"},
		}},
		"hotel/de": {"hotel_de.txt", "Ihre Reservierung", "de", []wantBooking{
			{KindHotel, "88231-B", "Hotel Bayerischer Hof (88231-B)", "2027-01-07 14:00", "", "", "Hotel Bayerischer Hof"},
		}},
		"invoice/en": {"invoice_en.txt", "Invoice INV-2026-0412", "en", []wantBooking{
			{KindInvoice, "INV-2026-0412", "Invoice INV-2026-0412 € 120.00", "", "2026-12-23 18:00", "€ 120.00", ""},
		}},
		"invoice/fr": {"facture_fr.txt", "Votre facture est disponible", "fr", []wantBooking{
			{KindInvoice, "F2026-118", "Facture F2026-118 89,90 €", "", "2027-01-05 18:00", "89,90 €", ""},
		}},
		"invoice/de": {"rechnung_de.txt", "Ihre Rechnung", "de", []wantBooking{
			{KindInvoice, "RE-77881", "Rechnung RE-77881 238,00 EUR", "", "2026-12-30 18:00", "238,00 EUR", ""},
		}},
		"parcel/en": {"parcel_en.txt", "Your parcel is on its way", "en", []wantBooking{
			{KindParcel, "JD014600003828471234", "Parcel DHL JD014600003828471234 out for delivery", "2026-12-09 10:00", "", "", ""}, // its window: between 10:00 and 14:00
		}},
		"parcel/fr": {"colis_fr.txt", "Votre colis arrive", "fr", []wantBooking{
			{KindParcel, "6A12345678901", "Colis Colissimo 6A12345678901 en cours de livraison", "2026-12-09 18:00", "", "", ""},
		}},
		"parcel/de": {"paket_de.txt", "Ihr Paket kommt heute", "de", []wantBooking{
			{KindParcel, "00340434161234567890", "Paket DHL 00340434161234567890 in Zustellung", "2026-12-09 18:00", "", "", ""},
		}},
		"negative/newsletter with flight deals": {"newsletter_en.txt", "Fly for less this winter", "en", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got := Bookings(tc.subject, string(text), tc.lang, ref, loc)
			if len(got) != len(tc.want) {
				t.Fatalf("Bookings = %+v, want %d bookings", got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Kind != w.kind || g.Ref != w.ref || g.Title != w.title || g.Amount != w.amount || g.Location != w.location {
					t.Errorf("booking %d = %+v\nwant %+v", i, g, w)
				}
				if !g.Start.Equal(at(w.start)) {
					t.Errorf("booking %d start = %v, want %s", i, g.Start, w.start)
				}
				if !g.Due.Equal(at(w.due)) {
					t.Errorf("booking %d due = %v, want %s", i, g.Due, w.due)
				}
			}
		})
	}
}

// TestBookingsInline covers mails too short for a fixture.
func TestBookingsInline(t *testing.T) {
	loc := paris(t)
	ref := time.Date(2026, 12, 9, 10, 30, 0, 0, loc)
	tests := map[string]struct {
		subject, text string
		wantKinds     []string
	}{
		"flight number needs flight words":      {"Meeting notes", "Room BA 304 is booked, see AF 1234 in the minutes.", nil},
		"unknown airline needs a label":         {"Your flight", "Flight ZZ 123 departs 14 Dec 2026 at 10:00 from Paris (ORY).", []string{KindFlight}},
		"unknown airline without label ignored": {"Your flight", "Reference ZZ 123, see you on board.", nil},
		"invoice without due or amount":         {"Invoice", "Your invoice will follow next month.", nil},
		"parcel without tracking number":        {"Delivery", "Your order is out for delivery.", []string{KindParcel}},
		"hotel needs a check-in date":           {"Hotel", "Thanks for staying at Hotel Lux. We hope to see you again.", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Bookings(tc.subject, tc.text, "en", ref, loc)
			var kinds []string
			for _, b := range got {
				kinds = append(kinds, b.Kind)
			}
			if len(kinds) != len(tc.wantKinds) {
				t.Fatalf("kinds = %v, want %v (%+v)", kinds, tc.wantKinds, got)
			}
			for i := range kinds {
				if kinds[i] != tc.wantKinds[i] {
					t.Errorf("kinds = %v, want %v", kinds, tc.wantKinds)
				}
			}
		})
	}
}
