package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

// The model's cost on a day of input (issue 8, "Cost"): a scripted day of
// mail, meetings and feed items goes through the real pipeline (Maildir++
// account, .ics calendar, file:// feeds, the embedded bus, the planner, the
// drafter), with the model played by llmtest. Only the mails in which a
// person asks the user something get a draft, each one model call; a day
// of newsletters and feed items that match nothing costs no call.

// dayScript says what a day holds.
type dayScript struct {
	// Mails: persons asking the user a direct question, newsletters
	// (List-Unsubscribe), notifications from no-reply senders, mails
	// where the user is only in Cc (asking someone else), FYIs to the
	// user that ask nothing.
	questions, newsletters, notifications, ccOnly, fyis int
	meetings                                            int
	// Feed items, of which matching mention one of the user's interests.
	feedItems, matching int
}

func (d dayScript) mails() int {
	return d.questions + d.newsletters + d.notifications + d.ccOnly + d.fyis
}

// The days of the issue, and smaller ones for the tests.
var (
	scriptedDay   = dayScript{questions: 10, newsletters: 30, notifications: 25, ccOnly: 15, fyis: 20, meetings: 8, feedItems: 300, matching: 15}
	newsletterDay = dayScript{newsletters: 100, feedItems: 300}
	smallDay      = dayScript{questions: 3, newsletters: 6, notifications: 5, ccOnly: 3, fyis: 3, meetings: 2, feedItems: 30, matching: 3}
	smallNewsDay  = dayScript{newsletters: 20, feedItems: 30}
)

// Budgets of a scripted day (issue 8).
const (
	dayMaxCalls  = 15
	dayMaxTokens = 20_000
)

// dayBase is the scripted day's morning: 08:00 in Paris. The app's clock
// starts there and runs at the real pace.
var dayBase = time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC)

// sentExamples are the user's own mails in Sent: the drafts' style examples.
const sentExamples = 3

// dayResult is what a day cost.
type dayResult struct {
	calls              int
	prompt, completion int
	drafts             int
	events             int
	// drain is the time from the delivery of the day's mail to every
	// mail planned (the rules' suggestions stored); drafts may still be
	// on their way then.
	drain time.Duration
	// draftTook is the drafter's time per saved draft (model call and
	// save), from its "draft saved" log.
	draftTook []time.Duration
	// requests are what the model received.
	requests []llmtest.Recorded
}

func (r dayResult) tokens() int { return r.prompt + r.completion }

// runDay runs one scripted day through the app, with the model (llmtest)
// or without an llm section, and returns once every event is planned and,
// with a model, every draft is saved and the draft queue is empty.
func runDay(tb testing.TB, day dayScript, withLLM bool) dayResult {
	tb.Helper()
	dir := tb.TempDir()
	root := filepath.Join(dir, "Mail")
	for _, f := range []string{"", ".Sent"} {
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(root, f, sub), 0o700); err != nil {
				tb.Fatal(err)
			}
		}
	}
	for i := range sentExamples {
		deliver(tb, filepath.Join(root, ".Sent"), fmt.Sprintf("s%d.eml", i), sentMail(i))
	}
	ics := filepath.Join(dir, "work.ics")
	writeFile(tb, ics, dayCalendar(day.meetings))
	feeds := dayFeeds(tb, dir, day.feedItems, day.matching)

	var srv *llmtest.Server
	var y strings.Builder
	fmt.Fprintf(&y, "user: {name: Alice Martin, email: alice@example.com, timezone: Europe/Paris, interests: [cycling, home automation, golang]}\n"+
		"bus: {data_dir: %s}\n"+
		"sources:\n  mail:\n    - {name: home, maildir: %s}\n", filepath.Join(dir, "data"), root)
	if day.meetings > 0 {
		fmt.Fprintf(&y, "  calendars:\n    - {name: work, path: %s}\n", ics)
	}
	if len(feeds) > 0 {
		y.WriteString("  feeds:\n")
		for i, f := range feeds {
			fmt.Fprintf(&y, "    - {name: feed%d, url: %q, every: 1h}\n", i, "file://"+f)
		}
	}
	if withLLM {
		srv = llmtest.New(tb, llmtest.Config{Models: []string{"m"}, Responder: replyWith(dayReply)})
		fmt.Fprintf(&y, "llm: {url: %s, model: m, send: redacted}\n", srv.BaseURL())
	}
	y.WriteString("notify: {terminal: {}}\n")
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(y.String()))
	if err != nil {
		tb.Fatal(err)
	}

	logs := &dayLog{}
	t0 := time.Now()
	a, err := New(Options{Config: cfg, Stdout: io.Discard, Logger: slog.New(logs),
		Now: func() time.Time { return dayBase.Add(time.Since(t0)) }})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	if err := a.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	defer a.Stop(ctx)
	// Mail present at the first read is the account's look-back (here the
	// user's sent mail): the day's mail arrives after it.
	waitFor(tb, "the mail watcher's first read", logs, func() bool {
		for _, h := range a.Health() {
			if h.Name == "mail:home" && !h.LastOK.IsZero() {
				return true
			}
		}
		return false
	})
	drained := func(stream, durable string) bool {
		pending, unacked, err := a.bus.Backlog(ctx, stream, durable)
		return err == nil && pending == 0 && unacked == 0
	}
	planned := func(want int) func() bool {
		return func() bool {
			n, err := a.bus.Messages(ctx, bus.StreamEvents, bus.SubjectEvents+">")
			return err == nil && n >= uint64(want) && drained(bus.StreamEvents, "planner")
		}
	}
	// The sent mails, the meetings and the feed items, read at start.
	before := sentExamples + day.meetings + day.feedItems
	waitFor(tb, fmt.Sprintf("%d events planned", before), logs, planned(before))
	time.Sleep(100 * time.Millisecond)

	// The day's mail: from its delivery until every mail is planned.
	inbox := dayInbox(day)
	start := time.Now()
	for i, raw := range inbox {
		deliver(tb, root, fmt.Sprintf("%03d.eml", i), raw)
	}
	waitFor(tb, fmt.Sprintf("%d events planned", before+len(inbox)), logs, planned(before+len(inbox)))
	res := dayResult{drain: time.Since(start)}
	if withLLM {
		waitFor(tb, fmt.Sprintf("%d drafts saved", day.questions), logs, func() bool {
			return len(draftFiles(tb, root)) >= day.questions && drained(bus.StreamWork, "drafts")
		})
		// A second look after the queue emptied: a late job would show.
		time.Sleep(100 * time.Millisecond)
		if !drained(bus.StreamWork, "drafts") {
			waitFor(tb, "the draft queue empty", logs, func() bool { return drained(bus.StreamWork, "drafts") })
		}
		res.calls = srv.Calls()
		res.prompt, res.completion = srv.Tokens()
		res.requests = srv.Requests()
	}
	n, err := a.bus.Messages(ctx, bus.StreamEvents, bus.SubjectEvents+">")
	if err != nil {
		tb.Fatal(err)
	}
	res.events = int(n)
	res.drafts = len(draftFiles(tb, root))
	res.draftTook = logs.took()
	if err := a.Stop(ctx); err != nil {
		tb.Fatal(err)
	}
	return res
}

// dayReply is the model's answer to every draft request: a short reply.
const dayReply = "Hi,\n\nthanks for your message. I will look into it today and come back to you with an answer.\n\nBest,\nAlice"

func waitFor(tb testing.TB, what string, logs *dayLog, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s; warnings and errors:\n%s", what, logs.problems())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// dayLog is the app's log handler during a day: it keeps the drafter's
// "took" and the warnings and errors (shown when a wait times out), and
// passes everything on to stderr with AGENTD_TEST_DEBUG set.
type dayLog struct {
	mu    sync.Mutex
	times []time.Duration
	bad   []string
}

var debugLog = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})

func (l *dayLog) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelInfo || os.Getenv("AGENTD_TEST_DEBUG") != ""
}

func (l *dayLog) Handle(ctx context.Context, r slog.Record) error {
	if os.Getenv("AGENTD_TEST_DEBUG") != "" {
		_ = debugLog.Handle(ctx, r)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Message == "draft saved" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "took" {
				l.times = append(l.times, a.Value.Duration())
			}
			return true
		})
	}
	if r.Level >= slog.LevelWarn {
		var b strings.Builder
		b.WriteString(r.Level.String() + " " + r.Message)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.String())
			return true
		})
		l.bad = append(l.bad, b.String())
	}
	return nil
}

func (l *dayLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *dayLog) WithGroup(string) slog.Handler      { return l }

func (l *dayLog) took() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Duration(nil), l.times...)
}

func (l *dayLog) problems() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.bad, "\n")
}

// The day's people and texts.

type person struct{ name, email, lang string }

var askers = []person{
	{"Sophie Laurent", "sophie.laurent@atelier-laurent.fr", "fr"},
	{"Jonas Becker", "jonas.becker@becker-bau.de", "de"},
	{"Priya Natarajan", "priya@northwind.example", "en"},
	{"Tom Okafor", "tom.okafor@harbourlight.example", "en"},
	{"Claire Dubois", "claire.dubois@mairie-exemple.fr", "fr"},
	{"Marta Nowak", "marta@nowak-design.example", "en"},
	{"Lukas Meier", "lukas.meier@velo-club.example", "de"},
	{"Hannah Schmidt", "h.schmidt@kita-sonnenschein.example", "en"},
	{"David Chen", "david.chen@lumen-labs.example", "en"},
	{"Inès Moreau", "ines.moreau@cabinet-moreau.fr", "fr"},
}

var topics = []string{
	"the renovation quote", "the Q2 budget", "the school trip", "the club's spring ride", "the lease renewal",
	"the new logo drafts", "the insurance claim", "the parents' evening", "the API migration", "the tax return",
}

func mailHeader(from person, to, cc, subject, id string, at time.Time, extra string) string {
	h := "From: " + from.name + " <" + from.email + ">\r\nTo: " + to + "\r\n"
	if cc != "" {
		h += "Cc: " + cc + "\r\n"
	}
	return h + "Subject: " + subject + "\r\nMessage-ID: <" + id + ">\r\nDate: " + at.Format(time.RFC1123Z) + "\r\n" + extra +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
}

const alice = "Alice Martin <alice@example.com>"

// questionText is a person's mail that asks the user something, with a
// phone number and an address in it (what redaction must keep from the
// model).
func questionText(p person, topic string, i int) string {
	first := strings.Fields(p.name)[0]
	phone := []string{"+33 6 12 34 56 78", "+49 30 1234 5678", "+44 20 7946 0958", "(415) 555-0132"}[i%4]
	switch p.lang {
	case "fr":
		return fmt.Sprintf("Bonjour Alice,\r\n\r\nJ'espère que tu vas bien. Je reviens vers toi au sujet de %s : nous avons reçu les derniers documents hier soir et il ne manque plus que ta validation pour avancer.\r\n\r\n"+
			"Pourrais-tu me dire si la version envoyée la semaine dernière te convient, ou si tu préfères qu'on en discute de vive voix ? Je suis joignable au %s, ou écris à mon assistante, assistante.%d@atelier-exemple.fr.\r\n\r\n"+
			"Merci d'avance et belle journée,\r\n%s\r\n", topic, phone, i, first)
	case "de":
		return fmt.Sprintf("Hallo Alice,\r\n\r\nich melde mich wegen %s. Die Unterlagen sind gestern Abend angekommen, und bevor wir weitermachen, brauche ich noch deine Rückmeldung.\r\n\r\n"+
			"Kannst du mir sagen, ob die Version von letzter Woche so passt, oder sollen wir kurz telefonieren? Du erreichst mich unter %s oder über mein Büro, buero.%d@beispiel-firma.de.\r\n\r\n"+
			"Viele Grüße\r\n%s\r\n", topic, phone, i, first)
	}
	return fmt.Sprintf("Hi Alice,\r\n\r\nI hope you're well. I'm following up on %s: we received the last documents yesterday evening and only need your sign-off before we go ahead.\r\n\r\n"+
		"Could you let me know whether the version I sent last week works for you, or would you rather talk it through on a call? You can reach me on %s, or write to my assistant at assistant.%d@office.example.\r\n\r\n"+
		"Thanks a lot,\r\n%s\r\n", topic, phone, i, first)
}

// dayInbox returns the day's mail in the order it arrives.
func dayInbox(day dayScript) []string {
	var out []string
	n := 0
	at := func() time.Time { n++; return dayBase.Add(-12 * time.Hour).Add(time.Duration(n) * 5 * time.Minute) }
	for i := range day.questions {
		p := askers[i%len(askers)]
		topic := topics[i%len(topics)]
		subject := fmt.Sprintf("Question about %s (%d)", topic, i)
		out = append(out, mailHeader(p, alice, "", subject, fmt.Sprintf("q%d@%s", i, domain(p.email)), at(), "")+questionText(p, topic, i))
	}
	for i := range day.newsletters {
		from := person{name: []string{"Cycling Weekly", "The Home Automation Digest", "Golang News", "Deals of the Week"}[i%4], email: fmt.Sprintf("newsletter@list%d.example", i%4)}
		extra := fmt.Sprintf("List-Unsubscribe: <mailto:unsubscribe-%d@list%d.example>, <https://list%d.example/unsubscribe?u=8f3a%d>\r\nList-Id: <weekly.list%d.example>\r\n", i, i%4, i%4, i, i%4)
		out = append(out, mailHeader(from, alice, "", fmt.Sprintf("%s — issue %d", from.name, 100+i), fmt.Sprintf("nl%d@list%d.example", i, i%4), at(), extra)+
			fmt.Sprintf("Hello Alice,\r\n\r\nDid you see what happened this week? Here are the stories our readers liked most, issue %d.\r\n\r\n"+
				"1. Five things to try this weekend\r\n2. Our editors' picks\r\n3. Could you be saving more? Take our two-minute survey.\r\n\r\n"+
				"Please confirm your subscription preferences at https://list%d.example/prefs.\r\n\r\nYou receive this mail because you subscribed. Unsubscribe at any time.\r\n", 100+i, i%4))
	}
	for i := range day.notifications {
		from := person{name: []string{"GitHub", "Your Bank", "Parcel Service", "Calendar"}[i%4], email: fmt.Sprintf("no-reply@notify%d.example", i%4)}
		out = append(out, mailHeader(from, alice, "", fmt.Sprintf("Notification %d: your account activity", i), fmt.Sprintf("n%d@notify%d.example", i, i%4), at(), "")+
			fmt.Sprintf("Hello,\r\n\r\nThere was new activity on your account (reference %d). Can you confirm it was you? If not, please review your security settings.\r\n\r\nThis is an automated message; replies are not read.\r\n", 4000+i))
	}
	for i := range day.ccOnly {
		p := askers[(i+3)%len(askers)]
		out = append(out, mailHeader(p, "Bob Lee <bob.lee@partner.example>", alice, fmt.Sprintf("Slides for the review (%d)", i), fmt.Sprintf("cc%d@%s", i, domain(p.email)), at(), "")+
			"Hi Bob,\r\n\r\ncould you send me the slides for the review before the call? Alice is in copy so she has the context.\r\n\r\nThanks,\r\n"+strings.Fields(p.name)[0]+"\r\n")
	}
	for i := range day.fyis {
		p := askers[(i+5)%len(askers)]
		out = append(out, mailHeader(p, alice, "", fmt.Sprintf("Notes from the meeting (%d)", i), fmt.Sprintf("fyi%d@%s", i, domain(p.email)), at(), "")+
			"Hi Alice,\r\n\r\njust so you know: the notes from this morning's meeting are in the shared folder. Nothing needed from you, this is only for your records.\r\n\r\nCheers,\r\n"+strings.Fields(p.name)[0]+"\r\n")
	}
	return out
}

func domain(email string) string { return email[strings.IndexByte(email, '@')+1:] }

// sentMail is one of the user's own mails, in Sent before the day.
func sentMail(i int) string {
	p := askers[i]
	at := dayBase.Add(-time.Duration(48+i) * time.Hour)
	return mailHeader(person{"Alice Martin", "alice@example.com", "en"}, p.name+" <"+p.email+">", "", "Re: earlier plans", fmt.Sprintf("sent%d@example.com", i), at, "") +
		"Hi " + strings.Fields(p.name)[0] + ",\r\n\r\nthanks, that works for me. I'll bring the documents on Thursday and we can go through them together.\r\n\r\nBest,\r\nAlice\r\n"
}

// dayCalendar is an .ics with n meetings during the day.
func dayCalendar(n int) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//agentd//bench//EN\r\n")
	const stamp = "20060102T150405Z"
	for i := range n {
		start := dayBase.Add(time.Duration(i+1) * time.Hour)
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:meeting-%d@example.com\r\nDTSTAMP:%s\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Meeting %d\r\nLOCATION:Room %c\r\nEND:VEVENT\r\n",
			i, dayBase.Add(-24*time.Hour).Format(stamp), start.Format(stamp), start.Add(45*time.Minute).Format(stamp), i, 'A'+rune(i%6))
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

// dayFeeds writes the day's feed items into three RSS files; the first
// matching items mention an interest, the others none.
func dayFeeds(tb testing.TB, dir string, items, matching int) []string {
	tb.Helper()
	if items == 0 {
		return nil
	}
	const files = 3
	bodies := make([]strings.Builder, files)
	for f := range bodies {
		fmt.Fprintf(&bodies[f], `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed %d</title><link>https://feed%d.example/</link>`, f, f)
	}
	matches := []string{"Protected lanes make urban cycling safer", "Home automation with a Raspberry Pi", "What is new in Golang generics"}
	others := []string{"Knitting patterns for winter", "A slow-cooked stew for Sunday", "The history of opera houses", "Chess openings for beginners",
		"Repotting orchids without stress", "Ten quiet beaches in Portugal", "Watercolour basics", "Sourdough starter troubleshooting"}
	for i := range items {
		title := fmt.Sprintf("%s, part %d", others[i%len(others)], i)
		if i < matching {
			title = fmt.Sprintf("%s, part %d", matches[i%len(matches)], i)
		}
		pub := dayBase.Add(-time.Duration(i) * 3 * time.Minute).Format(time.RFC1123Z)
		fmt.Fprintf(&bodies[i%files], `<item><title>%s</title><link>https://feed%d.example/%d</link><guid>item-%d</guid><pubDate>%s</pubDate><description>A short article, number %d, for readers who like this kind of thing.</description></item>`,
			title, i%files, i, i, pub, i)
	}
	var paths []string
	for f := range bodies {
		bodies[f].WriteString(`</channel></rss>`)
		p := filepath.Join(dir, fmt.Sprintf("feed%d.xml", f))
		writeFile(tb, p, bodies[f].String())
		paths = append(paths, p)
	}
	return paths
}

// TestScriptedDayBudget is a small scripted day (20 mails, 3 of them a
// person's direct question): exactly 3 model calls, 3 drafts, and tokens
// within the day's budget per call.
func TestScriptedDayBudget(t *testing.T) {
	r := runDay(t, smallDay, true)
	if r.calls != smallDay.questions || r.drafts != smallDay.questions {
		t.Errorf("%d mails with %d questions: %d calls and %d drafts, want %d of each", smallDay.mails(), smallDay.questions, r.calls, r.drafts, smallDay.questions)
	}
	if perCall := dayMaxTokens / scriptedDay.questions; r.tokens() > perCall*smallDay.questions {
		t.Errorf("%d tokens for %d drafts, more than %d a draft", r.tokens(), r.drafts, perCall)
	}
	// Redacted: no address or phone number of the day's mail reached the
	// model.
	for _, req := range r.requests {
		for i := range smallDay.questions {
			p := askers[i%len(askers)]
			for _, secret := range []string{p.email, "alice@example.com", fmt.Sprintf(".%d@", i), "34 56 78", "1234 5678", "7946 0958", "555-0132"} {
				if strings.Contains(string(req.Body), secret) {
					t.Errorf("a request to the model holds %q", secret)
				}
			}
		}
	}
	t.Logf("%d events: %d calls, %d tokens (%d prompt, %d completion), %d drafts", r.events, r.calls, r.tokens(), r.prompt, r.completion, r.drafts)
}

// TestNewsletterDayMakesNoCalls: newsletters and feed items that match no
// interest cost no model call and make no draft.
func TestNewsletterDayMakesNoCalls(t *testing.T) {
	r := runDay(t, smallNewsDay, true)
	if r.calls != 0 || r.drafts != 0 {
		t.Errorf("%d newsletters and %d unmatched feed items: %d calls, %d drafts, want none", smallNewsDay.newsletters, smallNewsDay.feedItems, r.calls, r.drafts)
	}
}

// BenchmarkScriptedDay: 100 mails (10 a person's question), 8 meetings and
// 300 feed items (15 matching an interest), with the model and without.
// Reported per day: model calls, tokens (prompt and completion, as the
// server counts them), drafts. Latency: the drafter's time per draft (the
// model call and the save, from its log), and the planner's added latency
// per event: the time from the delivery of the day's mail to all of it
// planned with the model configured, minus the same without, over the
// mails (the model is never asked about a meeting or feed item). Targets:
// under 15 calls and 20,000 tokens.
func BenchmarkScriptedDay(b *testing.B) {
	var calls, tokens, drafts int
	var withLLM, without, took time.Duration
	var nTook int
	for b.Loop() {
		r := runDay(b, scriptedDay, true)
		calls, tokens, drafts = calls+r.calls, tokens+r.tokens(), drafts+r.drafts
		withLLM += r.drain
		for _, d := range r.draftTook {
			took += d
			nTook++
		}
		without += runDay(b, scriptedDay, false).drain
	}
	n := float64(b.N)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(calls)/n, "calls/day")
	b.ReportMetric(float64(tokens)/n, "tokens/day")
	b.ReportMetric(float64(drafts)/n, "drafts/day")
	if nTook > 0 {
		b.ReportMetric(float64(took.Microseconds())/float64(nTook)/1000, "draft-ms/draft")
	}
	b.ReportMetric(float64(withLLM.Microseconds())/n/float64(scriptedDay.mails()), "plan-µs/mail")
	b.ReportMetric(float64((withLLM-without).Microseconds())/n/float64(scriptedDay.mails()), "planner-added-µs/event")
	if float64(calls)/n >= dayMaxCalls || float64(tokens)/n >= dayMaxTokens || float64(drafts)/n != float64(scriptedDay.questions) {
		b.Errorf("a day: %.1f calls (under %d), %.0f tokens (under %d), %.1f drafts (want %d)",
			float64(calls)/n, dayMaxCalls, float64(tokens)/n, dayMaxTokens, float64(drafts)/n, scriptedDay.questions)
	}
}

// BenchmarkNewsletterDay: 100 newsletters and 300 feed items that match no
// interest: no model call.
func BenchmarkNewsletterDay(b *testing.B) {
	var calls, tokens int
	for b.Loop() {
		r := runDay(b, newsletterDay, true)
		calls, tokens = calls+r.calls, tokens+r.tokens()
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(calls)/float64(b.N), "calls/day")
	b.ReportMetric(float64(tokens)/float64(b.N), "tokens/day")
	if calls != 0 {
		b.Errorf("a day of newsletters and unmatched feed items made %d model calls, want 0", calls)
	}
}
