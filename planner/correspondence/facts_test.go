package correspondence

import (
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
)

// flightText is an airline's confirmation of a return flight.
const flightText = `Dear Ms Ada Lovelace,

Thank you for booking with Air France. Your e-ticket is attached.

Booking reference: X7K2LM

Outbound flight
Flight AF 1234 - Economy
Departure: Mon 15 Jun 2026 07:35 Paris Charles de Gaulle (CDG) Terminal 2F
Arrival:   Mon 15 Jun 2026 09:20 Berlin Brandenburg (BER) Terminal 1

Return flight
Flight AF 1235 - Economy
Departure: Fri 19 Jun 2026 18:05 Berlin Brandenburg (BER)
Arrival:   Fri 19 Jun 2026 20:00 Paris Charles de Gaulle (CDG)

Online check-in opens 30 hours before departure.
Total paid: EUR 312.40`

const (
	alice = "Alice Martin <alice@example.com>"
	bob   = "Bob Stone <bob@example.net>"
	adaTo = "Ada Lovelace <ada@example.org>"
)

// TestFacts feeds realistic mails in order and checks the units the last
// one yields: how many of each kind, and what they say.
func TestFacts(t *testing.T) {
	day := 24 * time.Hour
	tests := map[string]struct {
		mails []spec
		now   time.Duration // after base; default: 2h after the last mail
		want  map[string]int
		check func(t *testing.T, u map[string][]planner.Unit)
	}{
		"en: direct question with a deadline": {
			mails: []spec{{id: "q1@example.com", from: alice, to: []string{adaTo}, subject: "Q3 figures", lang: "en",
				text: "Hi Ada,\n\nCould you send me the Q3 figures by Friday?\n\nThanks,\nAlice"}},
			want: map[string]int{UnitAwaitingMyReply: 1, UnitDeadline: 1},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				a := u[UnitAwaitingMyReply][0]
				wantFact(t, a, "from", "Alice Martin")
				wantFact(t, a, "subject", "Q3 figures")
				wantFact(t, a, "questions", 1)
				if q, _ := a.Facts["question"].(string); !strings.Contains(q, "Q3 figures") {
					t.Errorf("question = %q, want the asking sentence", q)
				}
				if a.About.Ref != "q1@example.com" || a.Scope == "" {
					t.Errorf("about %+v scope %q: want the question's Message-ID and the thread's scope", a.About, a.Scope)
				}
				d := u[UnitDeadline][0]
				wantDay(t, d, "deadline_at", "2026-06-12")
				wantTime(t, d, "remind_at", "2026-06-11T09:00:00+02:00")
			},
		},
		"fr: question directe avec une date": {
			mails: []spec{{id: "devis@exemple.fr", from: "Claire Dubois <claire@exemple.fr>", to: []string{adaTo},
				subject: "Devis cuisine", lang: "fr",
				text: "Bonjour Ada,\n\nPourrais-tu m'envoyer le devis avant le 15 juin ?\n\nMerci d'avance,\nClaire"}},
			want: map[string]int{UnitAwaitingMyReply: 1, UnitDeadline: 1},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				wantFact(t, u[UnitAwaitingMyReply][0], "from", "Claire Dubois")
				d := u[UnitDeadline][0]
				wantDay(t, d, "deadline_at", "2026-06-15")
				wantTime(t, d, "remind_at", "2026-06-14T09:00:00+02:00")
			},
		},
		"de: direkte Bitte mit Frist": {
			mails: []spec{{id: "bericht@beispiel.de", from: "Jonas Weber <jonas@beispiel.de>", to: []string{adaTo},
				subject: "Bericht", lang: "de",
				text: "Hallo Ada,\n\nkannst du mir bitte bis Freitag den Bericht schicken?\n\nViele Grüße\nJonas"}},
			want: map[string]int{UnitAwaitingMyReply: 1, UnitDeadline: 1},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				wantDay(t, u[UnitDeadline][0], "deadline_at", "2026-06-12")
			},
		},
		"newsletter that says reply by Friday": {
			mails: []spec{{id: "promo-77@news.shop.example", from: "Shop <news@shop.example>", to: []string{adaTo},
				subject: "Last chance: 20% off", lang: "en", automated: "newsletter (has List-Unsubscribe)",
				text: "Can you believe it? Reply by Friday to get 20% off your next order!"}},
			want: map[string]int{},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				m := u[UnitMessage][0]
				wantFact(t, m, "automated", true)
				wantFact(t, m, "automated_reason", "newsletter (has List-Unsubscribe)")
				wantFact(t, m, "asks", false)
			},
		},
		"no-reply robot asking for a review": {
			mails: []spec{{id: "rate-1@shop.example", from: "Shop <no-reply@shop.example>", to: []string{adaTo},
				subject: "How was your order?", lang: "en", automated: "no-reply sender no-reply@shop.example",
				text: "Could you rate your purchase? It only takes a minute."}},
			want: map[string]int{},
		},
		"only in Cc": {
			mails: []spec{{id: "cc@example.com", from: alice, to: []string{bob}, cc: []string{adaTo},
				subject: "Draft review", lang: "en", text: "Bob, could you review the draft please?"}},
			want: map[string]int{},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				wantFact(t, u[UnitMessage][0], "direct", false)
				wantFact(t, u[UnitMessage][0], "asks", true)
			},
		},
		"to an alias, in To with others": {
			mails: []spec{{id: "alias@example.com", from: alice, to: []string{bob, "Ada <Ada.Lovelace@work.example>"},
				subject: "Offsite", lang: "en", text: "Would you both join the offsite?"}},
			want: map[string]int{UnitAwaitingMyReply: 1},
		},
		"no question": {
			mails: []spec{{id: "thanks@example.com", from: alice, to: []string{adaTo}, subject: "Report",
				lang: "en", text: "Thanks, the report arrived. Have a nice weekend."}},
			want: map[string]int{},
		},
		"question only in the quoted mail": {
			mails: []spec{{id: "quoted@example.com", inReplyTo: "orig@example.org", from: alice, to: []string{adaTo},
				subject: "Re: Numbers", lang: "en",
				text: "Sounds good, thanks!\n\nOn Mon, 8 Jun 2026 at 09:12, Ada Lovelace <ada@example.org>\nwrote:\n> Could you check the numbers by Friday?\n"}},
			want: map[string]int{},
		},
		"answered question": {
			mails: []spec{
				{id: "q2@example.com", from: alice, to: []string{adaTo}, subject: "Venue", lang: "en",
					text: "Can you book the venue for the 20th?"},
				{sent: true, id: "a2@example.org", inReplyTo: "q2@example.com", references: []string{"q2@example.com"},
					from: adaTo, to: []string{alice}, subject: "Re: Venue", lang: "en", at: 3 * time.Hour,
					text: "Done, it is booked.\n\nOn Tue, Alice wrote:\n> Can you book the venue for the 20th?"},
			},
			want: map[string]int{},
		},
		"two questions, one nudge about the first": {
			mails: []spec{
				{id: "q3@example.com", from: alice, to: []string{adaTo}, subject: "Slides", lang: "en",
					text: "Can you share the slides?"},
				{id: "q3b@example.com", inReplyTo: "q3@example.com", from: alice, to: []string{adaTo},
					subject: "Re: Slides", lang: "en", at: day, text: "Any news? Could you send them?"},
			},
			want: map[string]int{UnitAwaitingMyReply: 1},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				a := u[UnitAwaitingMyReply][0]
				wantFact(t, a, "questions", 2)
				if a.About.Ref != "q3@example.com" {
					t.Errorf("ref = %q, want the first question", a.About.Ref)
				}
			},
		},
		"my question awaits an answer": {
			mails: []spec{{sent: true, id: "ask@example.org", from: adaTo, to: []string{bob},
				subject: "Meeting room", lang: "en", text: "Hi Bob,\n\ncan you confirm the meeting room for Thursday?\n\nAda"}},
			want: map[string]int{UnitAwaitingTheirs: 1},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				f := u[UnitAwaitingTheirs][0]
				wantFact(t, f, "to", "Bob Stone")
				wantTime(t, f, "follow_up_at", "2026-06-12T10:00:00+02:00")
				if f.About.Ref != "ask@example.org" {
					t.Errorf("ref = %q", f.About.Ref)
				}
			},
		},
		"an auto-reply is no answer": {
			mails: []spec{
				{sent: true, id: "ask2@example.org", from: adaTo, to: []string{bob}, subject: "Contract",
					lang: "en", text: "Could you sign the contract?"},
				{id: "ooo@example.net", inReplyTo: "ask2@example.org", from: bob, to: []string{adaTo},
					subject: "Automatic reply: Contract", lang: "en", at: time.Minute,
					automated: "Auto-Submitted: auto-replied", text: "I am out of office until Monday. Can it wait?"},
			},
			want: map[string]int{UnitAwaitingTheirs: 1},
		},
		"their answer arrives": {
			mails: []spec{
				{sent: true, id: "ask3@example.org", from: adaTo, to: []string{bob}, subject: "Contract",
					lang: "en", text: "Could you sign the contract?"},
				{id: "ans3@example.net", inReplyTo: "ask3@example.org", from: bob, to: []string{adaTo},
					subject: "Re: Contract", lang: "en", at: 2 * day, text: "Signed and sent back."},
			},
			want: map[string]int{},
		},
		"my own mail in INBOX counts as mine": {
			mails: []spec{{id: "self@example.org", from: "Ada <ada.lovelace@work.example>", to: []string{bob},
				cc: []string{adaTo}, subject: "Keys", lang: "en", text: "Bob, can you leave the keys at the desk?"}},
			want: map[string]int{UnitAwaitingTheirs: 1},
		},
		"deadline already passed": {
			mails: []spec{{id: "late@example.com", from: alice, to: []string{adaTo}, subject: "Forms", lang: "en",
				text: "Please return the forms by Friday."}},
			now:  5 * day,
			want: map[string]int{UnitAwaitingMyReply: 1},
		},
		"en: flight confirmation with a return flight": {
			mails: []spec{{id: "pnr-x7k2lm@airfrance.example", from: "Air France <ticket@airfrance.example>",
				to: []string{adaTo}, subject: "Your Air France booking X7K2LM", lang: "en",
				automated: "bulk sender (Feedback-ID)", text: flightText}},
			want: map[string]int{UnitBooking: 2},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				out, back := u[UnitBooking][0], u[UnitBooking][1]
				wantFact(t, out, "booking", "flight")
				wantFact(t, out, "booking_ref", "AF1234")
				wantTime(t, out, "starts_at", "2026-06-15T07:35:00+02:00")
				wantTime(t, out, "remind_at", "2026-06-14T07:35:00+02:00")
				wantTime(t, back, "remind_at", "2026-06-18T18:05:00+02:00")
				if out.About.RecurrenceID == back.About.RecurrenceID || out.About.Ref != back.About.Ref {
					t.Errorf("about %+v and %+v: want the same mail, two moments", out.About, back.About)
				}
			},
		},
		"en: return flight from Montréal, shown in Montréal time": {
			mails: []spec{{id: "pnr-q9@air.example", from: "Air Example <ticket@air.example>",
				to: []string{adaTo}, subject: "Your booking Q9", lang: "en", automated: "no-reply sender",
				text: "Booking reference: Q9ZZ11\n\nFlight AC 870\nDeparture: Tue 16 Jun 2026 10:35 Montreal Trudeau (YUL)\n" +
					"Arrival: Tue 16 Jun 2026 23:10 Paris Charles de Gaulle (CDG)\n"}},
			want: map[string]int{UnitBooking: 1},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				b := u[UnitBooking][0]
				// 10:35 in Montréal (UTC-4 in June) is 16:35 in Paris.
				wantTime(t, b, "starts_at", "2026-06-16T10:35:00-04:00")
				wantFact(t, b, "departure_zone", "America/Toronto")
				if at := b.Facts["remind_at"].(time.Time); !at.Equal(time.Date(2026, 6, 15, 14, 35, 0, 0, time.UTC)) {
					t.Errorf("check-in reminder at %v, want 24 h before 14:35 UTC", at)
				}
			},
		},
		"fr: train": {
			mails: []spec{{id: "sncf-abcd12@sncf.example", from: "SNCF Voyageurs <confirmation@sncf.example>",
				to: []string{adaTo}, subject: "Votre e-billet", lang: "fr", automated: "no-reply sender",
				text: "Bonjour,\n\nVotre voyage est confirmé. Référence de dossier : ABCD12\n\nAller : samedi 20 juin 2026\n" +
					"TGV INOUI 6201  Paris Gare de Lyon → Lyon Part-Dieu\nDépart 08:04 - Arrivée 10:00 - Voiture 12, place 45\n"}},
			want: map[string]int{UnitBooking: 1},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				b := u[UnitBooking][0]
				wantFact(t, b, "booking", "train")
				wantTime(t, b, "starts_at", "2026-06-20T08:04:00+02:00")
				wantTime(t, b, "remind_at", "2026-06-19T09:00:00+02:00")
			},
		},
		"fr: facture": {
			mails: []spec{{id: "facture-f2026-118@energie.example", from: "Énergie Plus <factures@energie.example>",
				to: []string{adaTo}, subject: "Votre facture est disponible", lang: "fr", automated: "no-reply sender",
				text: "Bonjour,\n\nVotre facture n° F2026-118 est disponible.\nMontant à payer : 89,90 €\nDate d'échéance : 25 juin 2026\n"}},
			want: map[string]int{UnitBooking: 1},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				b := u[UnitBooking][0]
				wantFact(t, b, "booking", "invoice")
				wantFact(t, b, "amount", "89,90 €")
				wantDay(t, b, "due_at", "2026-06-25")
				wantTime(t, b, "remind_at", "2026-06-24T09:00:00+02:00")
			},
		},
		"de: Paket in Zustellung": {
			mails: []spec{{id: "paket-1@dhl.example", from: "DHL Paket <noreply@dhl.example>", to: []string{adaTo},
				subject: "Ihr Paket kommt heute", lang: "de", automated: "no-reply sender",
				text: "Hallo,\n\nIhr Paket ist in Zustellung und kommt heute an.\nSendungsnummer: 00340434161234567890\nZusteller: DHL\n"}},
			want: map[string]int{UnitBooking: 1},
			check: func(t *testing.T, u map[string][]planner.Unit) {
				b := u[UnitBooking][0]
				wantFact(t, b, "booking", "parcel")
				if want := time.Date(2026, 6, 10, 0, 0, 0, 0, paris(t)); !b.Expires.Equal(want) {
					t.Errorf("expires %s, want the end of the day %s", b.Expires, want)
				}
			},
		},
		"parcel notice read the next day": {
			mails: []spec{{id: "paket-2@dhl.example", from: "DHL Paket <noreply@dhl.example>", to: []string{adaTo},
				subject: "Ihr Paket kommt heute", lang: "de", automated: "no-reply sender",
				text: "Ihr Paket ist in Zustellung und kommt heute an.\nSendungsnummer: 00340434161234567890"}},
			now:  day + time.Hour,
			want: map[string]int{},
		},
		"deadline from a newsletter is not mine": {
			mails: []spec{{id: "sale@news.example", from: "News <news@news.example>", to: []string{adaTo},
				subject: "Sale ends 15 June", lang: "en", automated: "mailing list (List-Id: news.example)",
				text: "Our summer sale ends on 15 June. Order before 15 June!"}},
			want: map[string]int{},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnricher(t, state.NewMemory())
			now := base(t).Add(tc.mails[len(tc.mails)-1].at + 2*time.Hour)
			if tc.now != 0 {
				now = base(t).Add(tc.now)
			}
			units, scopes := enrichAll(t, e, tc.mails, now)
			got := byKind(units)
			if len(got[UnitMessage]) != 1 {
				t.Errorf("%d message units, want 1", len(got[UnitMessage]))
			}
			for _, kind := range []string{UnitAwaitingMyReply, UnitAwaitingTheirs, UnitDeadline, UnitBooking, UnitBackfillSummary} {
				if len(got[kind]) != tc.want[kind] {
					t.Errorf("%d %s units, want %d: %v", len(got[kind]), kind, tc.want[kind], factsOf(got[kind]))
				}
			}
			if len(scopes) != 2 || !strings.HasPrefix(scopes[0], "mail.thread.") || !strings.HasPrefix(scopes[1], "mail.msg.") {
				t.Errorf("scopes = %q, want the thread's and the mail's", scopes)
			}
			if tc.check != nil && !t.Failed() {
				tc.check(t, got)
			}
		})
	}
}

func factsOf(us []planner.Unit) []map[string]any {
	var out []map[string]any
	for _, u := range us {
		out = append(out, u.Facts)
	}
	return out
}

func wantFact(t *testing.T, u planner.Unit, key string, want any) {
	t.Helper()
	if got := u.Facts[key]; got != want {
		t.Errorf("facts.%s = %#v, want %#v", key, got, want)
	}
}

func wantDay(t *testing.T, u planner.Unit, key, want string) {
	t.Helper()
	got, ok := u.Facts[key].(time.Time)
	if !ok || got.Format(time.DateOnly) != want {
		t.Errorf("facts.%s = %v, want on %s", key, u.Facts[key], want)
	}
}

func wantTime(t *testing.T, u planner.Unit, key, want string) {
	t.Helper()
	got, ok := u.Facts[key].(time.Time)
	if !ok || got.Format(time.RFC3339) != want {
		t.Errorf("facts.%s = %v, want %s", key, u.Facts[key], want)
	}
}
