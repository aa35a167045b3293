package digest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
	_ "time/tzdata" // hermetic zones

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/suggestions"
)

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// morning is the digest's moment in the tests: Tue 8 Dec 2026, 07:30 in
// Paris (06:30 UTC).
func morning(t testing.TB) time.Time {
	return time.Date(2026, 12, 8, 7, 30, 0, 0, paris(t))
}

func rec(s event.Suggestion, status string) suggestions.Record {
	if s.SpecVersion == "" {
		s.SpecVersion = event.SpecVersion
	}
	if s.Priority == "" {
		s.Priority = event.PriorityNormal
	}
	return suggestions.Record{Suggestion: s, Status: status, Created: s.Created, Updated: s.Created}
}

func about(source, ref string) []event.About {
	return []event.About{{Source: source, Ref: ref}}
}

// day is a full day's records at morning: an agenda with its meetings, a
// conflict, a reminder due this afternoon, one due tomorrow, an old one,
// a question to answer, a follow-up, a draft, feed items, a parcel, and
// answered ones that must not show.
func day(t testing.TB) []suggestions.Record {
	loc := paris(t)
	at := func(h, m int) time.Time { return time.Date(2026, 12, 8, h, m, 0, 0, loc) }
	made := at(6, 0).AddDate(0, 0, -1)
	return []suggestions.Record{
		rec(event.Suggestion{ID: "agenda", Kind: event.KindReminder, Rule: "calendar-agenda", Title: "Today: 2 events, first at 09:00",
			Body: "09:00–09:30 Standup\n14:00–15:00 Réunion budget · Salle Iéna", Due: at(7, 30), Priority: event.PriorityLow,
			About: about("calendar:work", "day-2026-12-08"), Created: made}, event.StatusDelivered),
		rec(event.Suggestion{ID: "meeting", Kind: event.KindReminder, Rule: "calendar-reminder", Title: "In 10 min: Standup (09:00)",
			Due: at(8, 50), About: about("calendar:work", "standup"), Created: made}, event.StatusPending),
		rec(event.Suggestion{ID: "conflict", Kind: event.KindSuggestion, Rule: "calendar-conflict",
			Title: "Conflict on Tue 8 Dec: Réunion budget (14:00) overlaps Dentist (14:30)", About: about("calendar:work", "budget"), Created: made}, event.StatusDelivered),
		rec(event.Suggestion{ID: "invoice", Kind: event.KindReminder, Rule: "mail-invoice-due", Title: "Pay Electricity (84,20 €) by Wed 9 Dec",
			Due: at(16, 0), Priority: event.PriorityHigh, About: about("mail:work", "inv@example.com"), Created: made}, event.StatusPending),
		rec(event.Suggestion{ID: "tomorrow", Kind: event.KindReminder, Rule: "mail-trip", Title: "Train Paris → Lyon: 10:04",
			Due: at(9, 0).AddDate(0, 0, 1), About: about("mail:work", "sncf"), Created: made}, event.StatusPending),
		rec(event.Suggestion{ID: "yesterday", Kind: event.KindReminder, Rule: "calendar-reminder", Title: "In 10 min: Old meeting",
			Due: at(9, 0).AddDate(0, 0, -1), About: about("calendar:work", "old"), Created: made}, event.StatusDelivered),
		rec(event.Suggestion{ID: "reply", Kind: event.KindSuggestion, Rule: "mail-awaiting-my-reply", Title: "Reply to Sophie Martin: Contrat de location",
			Body: "Pouvez-vous m'envoyer la copie signée avant vendredi ?", Why: "Sophie Martin asked you a question 2d ago",
			About: about("mail:work", "c1@example.com"), Created: made}, event.StatusDelivered),
		rec(event.Suggestion{ID: "followup", Kind: event.KindReminder, Rule: "mail-follow-up", Title: "Follow up with Bob: Quote for the roof",
			Body: "You asked: could you send the quote by Monday?", Due: at(9, 0).AddDate(0, 0, -1), About: about("mail:work", "q1@example.com"), Created: made}, event.StatusDelivered),
		rec(event.Suggestion{ID: "draft", Kind: event.KindDraft, Rule: "mail-awaiting-my-reply", Title: "Draft reply to Jan: Lunch on Friday?",
			Body: "Hi Jan,\nFriday works for me, 12:30 at the usual place?\nBest,\nAlice", About: about("mail:home", "l1@example.com"),
			Draft: &event.Draft{Account: "home", Subject: "Re: Lunch on Friday?", Body: "Hi Jan"}, Created: made}, event.StatusDelivered),
		rec(event.Suggestion{ID: "feed1", Kind: event.KindSuggestion, Rule: "feed-interest", Title: "Read: Go 1.28 is released",
			Body: "The Go team is happy to announce Go 1.28.\nhttps://go.dev/blog/go1.28", Link: "https://go.dev/blog/go1.28",
			About: about("feed:go-blog", "go1.28"), Created: made}, event.StatusDelivered),
		rec(event.Suggestion{ID: "feed2", Kind: event.KindSuggestion, Rule: "feed-interest", Title: "Read: Home Assistant 2026.12",
			Link: "javascript:alert(1)", Priority: event.PriorityLow, About: about("feed:smart-home", "ha"), Created: made}, event.StatusPending),
		rec(event.Suggestion{ID: "parcel", Kind: event.KindSuggestion, Rule: "mail-parcel", Title: "Your parcel is out for delivery today",
			About: about("mail:home", "p1@example.com"), Created: made}, event.StatusDelivered),
		rec(event.Suggestion{ID: "dismissed", Kind: event.KindSuggestion, Rule: "mail-awaiting-my-reply", Title: "Reply to Eve: spam",
			About: about("mail:work", "e@example.com"), Created: made}, event.StatusDismissed),
		rec(event.Suggestion{ID: "expired", Kind: event.KindSuggestion, Rule: "feed-interest", Title: "Read: old news",
			Expires: at(6, 0), About: about("feed:go-blog", "old"), Created: made}, event.StatusDelivered),
	}
}

func listOf(recs []suggestions.Record) func(context.Context) ([]suggestions.Record, error) {
	return func(context.Context) ([]suggestions.Record, error) { return recs, nil }
}

// buildDay is the digest of day's suggestions, built at morning in Paris
// without a model.
func buildDay(t testing.TB) Digest {
	t.Helper()
	d, err := Build(context.Background(), Sources{Suggestions: listOf(day(t))}, morning(t), paris(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fakeSummarizer answers with text or err and keeps what it was asked.
type fakeSummarizer struct {
	text  string
	err   error
	items []SummaryItem
}

func (f *fakeSummarizer) Summarize(_ context.Context, purpose string, items []SummaryItem) (string, error) {
	if purpose == "" {
		return "", errors.New("no purpose")
	}
	f.items = items
	return f.text, f.err
}

// busyDay is a day of n open suggestions of every kind, for benchmarks.
func busyDay(t testing.TB, n int) []suggestions.Record {
	base := day(t)
	var out []suggestions.Record
	for i := range n {
		r := base[i%len(base)]
		r.Suggestion.ID = fmt.Sprintf("%s-%d", r.Suggestion.ID, i)
		r.Suggestion.Title = fmt.Sprintf("%s #%d", r.Suggestion.Title, i)
		if r.Status == event.StatusDismissed {
			r.Status = event.StatusDelivered
		}
		r.Suggestion.Expires = time.Time{}
		out = append(out, r)
	}
	return out
}

type suggestionsRecord = suggestions.Record

func eventReminder(id, title string, due time.Time) event.Suggestion {
	return event.Suggestion{ID: id, Kind: event.KindReminder, Rule: "my-rule", Title: title, Due: due, About: about("mail:home", id)}
}

func eventSuggestion(id, title, body string) event.Suggestion {
	return event.Suggestion{ID: id, Kind: event.KindSuggestion, Rule: "my-rule", Title: title, Body: body, About: about("mail:home", id)}
}
