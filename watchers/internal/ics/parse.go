package ics

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// Defaults for the limits; see the With… options.
const (
	DefaultMaxBytes       = 32 << 20
	DefaultMaxOccurrences = 10000
	DefaultMaxIterations  = 1000000
)

type limits struct {
	maxBytes int64
	maxOcc   int
	maxIter  int
}

func (l limits) orDefault() limits {
	if l.maxBytes <= 0 {
		l.maxBytes = DefaultMaxBytes
	}
	if l.maxOcc <= 0 {
		l.maxOcc = DefaultMaxOccurrences
	}
	if l.maxIter <= 0 {
		l.maxIter = DefaultMaxIterations
	}
	return l
}

type options struct {
	lim    limits
	strict bool
}

// Option adjusts Parse.
type Option func(*options)

// WithMaxBytes caps the input size (default DefaultMaxBytes).
func WithMaxBytes(n int64) Option { return func(o *options) { o.lim.maxBytes = n } }

// WithMaxOccurrences caps the occurrences one event may produce in one
// Occurrences call (default DefaultMaxOccurrences). Past it the call returns
// an error wrapping ErrLimit along with what it expanded so far.
func WithMaxOccurrences(n int) Option { return func(o *options) { o.lim.maxOcc = n } }

// WithMaxIterations caps the rule instances one event may examine in one
// Occurrences call, inside the window or before it (default
// DefaultMaxIterations; about 0.1 s of work). A rule that matches rarely or
// never within reach fails with ErrLimit instead of spinning.
func WithMaxIterations(n int) Option { return func(o *options) { o.lim.maxIter = n } }

// Strict makes every problem an error: a malformed line, an unknown time
// zone, an unparsable property. By default Parse skips what it cannot read
// and lists it in Calendar.Warnings, as calendar programs do.
func Strict() Option { return func(o *options) { o.strict = true } }

// Parse reads iCalendar data (RFC 5545): one or more VCALENDAR objects, or
// bare VEVENTs. It returns an error when the data is not iCalendar at all,
// is too large, or (with Strict) has any flaw.
//
// As a last resort Parse recovers from a panic in its dependencies and
// returns it as an error; none is known, the fuzz test looks for them.
func Parse(r io.Reader, opts ...Option) (cal *Calendar, err error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	o.lim = o.lim.orDefault()
	data, err := io.ReadAll(io.LimitReader(r, o.lim.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("ics: read: %w", err)
	}
	if int64(len(data)) > o.lim.maxBytes {
		return nil, fmt.Errorf("ics: calendar larger than %d bytes", o.lim.maxBytes)
	}
	defer func() {
		if p := recover(); p != nil {
			cal, err = nil, fmt.Errorf("ics: internal error while parsing: %v", p)
		}
	}()
	cal, err = parse(data, o)
	if err != nil {
		return nil, fmt.Errorf("ics: %w", err)
	}
	return cal, nil
}

type parser struct {
	dec   decoder
	zones zoneCache
	cal   *Calendar
	order int
}

func (p *parser) warn(err error) error {
	return p.dec.warn(0, err)
}

func parse(data []byte, o options) (*Calendar, error) {
	p := &parser{
		dec: decoder{strict: o.strict},
		zones: zoneCache{
			defs: map[string]*vtimezone{},
			locs: map[string]*time.Location{},
			errs: map[string]error{},
		},
		cal: &Calendar{lim: o.lim},
	}
	top, err := p.dec.decode(data)
	if err != nil {
		return nil, err
	}
	if o.strict {
		for _, c := range top {
			if err := validate(c); err != nil {
				return nil, err
			}
		}
	}
	// Calendar properties, time zones first: events refer to them.
	var bodies [][]*ical.Component
	var implicit []*ical.Component
	for _, c := range top {
		if c.Name == ical.CompCalendar {
			p.calendarProps(c)
			bodies = append(bodies, c.Children)
		} else {
			implicit = append(implicit, c)
		}
	}
	if len(implicit) > 0 {
		bodies = append(bodies, implicit)
	}
	for _, body := range bodies {
		for _, c := range body {
			if c.Name != ical.CompTimezone {
				continue
			}
			if tp := c.Props.Get(ical.PropTimezoneID); tp != nil {
				id := strings.TrimSpace(tp.Value)
				if _, dup := p.zones.defs[id]; !dup {
					p.zones.defs[id] = &vtimezone{tzid: id, comp: c}
				}
			}
		}
	}
	var events []*Event
	for _, body := range bodies {
		for _, c := range body {
			if c.Name != ical.CompEvent {
				continue
			}
			ev, err := p.event(c)
			if err != nil {
				if err := p.warn(fmt.Errorf("VEVENT %q skipped: %w", uidOf(c), err)); err != nil {
					return nil, err
				}
				continue
			}
			events = append(events, ev)
		}
	}
	p.cal.Events = group(events)
	p.cal.Warnings = p.dec.warnings
	if p.dec.dropped > 0 {
		p.cal.Warnings = append(p.cal.Warnings, fmt.Errorf("%d more warnings", p.dec.dropped))
	}
	return p.cal, nil
}

func uidOf(c *ical.Component) string {
	if u := c.Props.Get(ical.PropUID); u != nil {
		return truncate(strings.TrimSpace(u.Value), 80)
	}
	return ""
}

func (p *parser) calendarProps(c *ical.Component) {
	set := func(dst *string, names ...string) {
		if *dst != "" {
			return
		}
		for _, n := range names {
			if v := strings.TrimSpace(text(c.Props.Get(n))); v != "" {
				*dst = v
				return
			}
		}
	}
	set(&p.cal.Name, "X-WR-CALNAME", ical.PropName)
	set(&p.cal.Description, "X-WR-CALDESC", ical.PropDescription)
	set(&p.cal.ProdID, ical.PropProductID)
	set(&p.cal.TimeZone, "X-WR-TIMEZONE")
	if p.cal.Method == "" {
		if m := c.Props.Get(ical.PropMethod); m != nil {
			p.cal.Method = strings.ToUpper(strings.TrimSpace(m.Value))
		}
	}
}

// dateTimeProp parses a DATE or DATE-TIME property with its TZID.
func (p *parser) dateTimeProp(prop *ical.Prop) (dateTime, error) {
	return p.dateTimeValue(prop, prop.Value)
}

func (p *parser) dateTimeValue(prop *ical.Prop, value string) (dateTime, error) {
	v, err := parseDateTimeValue(value, isDateParam(prop))
	if err != nil {
		return v, fmt.Errorf("%s: %w", prop.Name, err)
	}
	if v.kind != kindFloating {
		return v, nil
	}
	tzid := strings.TrimSpace(prop.Params.Get(ical.ParamTimezoneID))
	if tzid == "" {
		return v, nil
	}
	loc, err := p.zones.lookup(tzid)
	if err != nil {
		// Keep the event, read as floating time: the reader's zone is the
		// best remaining guess. Strict mode refuses.
		if werr := p.warn(fmt.Errorf("%s: %w; read as floating time", prop.Name, err)); werr != nil {
			return v, werr
		}
		return v, nil
	}
	v.kind, v.loc = kindZoned, loc
	return v, nil
}

func (p *parser) event(c *ical.Component) (*Event, error) {
	e := &Event{
		Component: c,
		Method:    p.cal.Method,
		lim:       p.cal.lim,
		order:     p.order,
	}
	p.order++
	props := c.Props
	e.UID = strings.TrimSpace(val(props.Get(ical.PropUID)))
	e.Summary = text(props.Get(ical.PropSummary))
	e.Description = text(props.Get(ical.PropDescription))
	e.Location = text(props.Get(ical.PropLocation))
	e.Class = strings.ToUpper(strings.TrimSpace(val(props.Get(ical.PropClass))))
	e.Status = strings.ToUpper(strings.TrimSpace(val(props.Get(ical.PropStatus))))
	e.Transparent = strings.EqualFold(strings.TrimSpace(val(props.Get(ical.PropTransparency))), "TRANSPARENT")
	if u := props.Get(ical.PropURL); u != nil {
		e.URL = strings.TrimSpace(u.Value)
	}
	if s := props.Get(ical.PropSequence); s != nil {
		n, err := strconv.Atoi(strings.TrimSpace(s.Value))
		if err != nil {
			if err := p.warn(fmt.Errorf("SEQUENCE %q: %w", truncate(s.Value, 20), err)); err != nil {
				return nil, err
			}
		}
		e.Sequence = n
	}
	for _, name := range []string{ical.PropConference, "X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL", "X-MICROSOFT-ONLINEMEETINGCONFLINK"} {
		for _, cp := range props.Values(name) {
			if u := strings.TrimSpace(cp.Value); u != "" && !slices.Contains(e.ConferenceURLs, u) {
				e.ConferenceURLs = append(e.ConferenceURLs, u)
			}
		}
	}
	for _, cp := range props.Values(ical.PropCategories) {
		list, err := cp.TextList()
		if err != nil {
			list = strings.Split(text(&cp), ",")
		}
		for _, v := range list {
			if v = strings.TrimSpace(v); v != "" {
				e.Categories = append(e.Categories, v)
			}
		}
	}
	if o := props.Get(ical.PropOrganizer); o != nil {
		e.Organizer = person(o)
	}
	for _, a := range props.Values(ical.PropAttendee) {
		e.Attendees = append(e.Attendees, attendee(&a))
	}
	for name, dst := range map[string]*time.Time{ical.PropCreated: &e.Created, ical.PropLastModified: &e.LastModified, ical.PropDateTimeStamp: &e.Stamp} {
		if tp := props.Get(name); tp != nil {
			if v, err := p.dateTimeProp(tp); err == nil {
				*dst = v.at(time.UTC)
			}
		}
	}
	if err := p.times(e); err != nil {
		return nil, err
	}
	if err := p.recurrence(e); err != nil {
		return nil, err
	}
	for _, a := range c.Children {
		if a.Name != ical.CompAlarm {
			continue
		}
		al, err := p.alarm(a)
		if err != nil {
			if err := p.warn(fmt.Errorf("VALARM of %q: %w", e.UID, err)); err != nil {
				return nil, err
			}
			continue
		}
		e.Alarms = append(e.Alarms, al)
	}
	return e, nil
}

// times reads DTSTART, DTEND and DURATION.
func (p *parser) times(e *Event) error {
	props := e.Component.Props
	sp := props.Get(ical.PropDateTimeStart)
	if sp == nil {
		// Allowed in iTIP (METHOD:CANCEL/REPLY may omit it): the event
		// exists but has no occurrences.
		return nil
	}
	start, err := p.dateTimeProp(sp)
	if err != nil {
		return err
	}
	e.start, e.hasStart = start, true
	e.Start = start.exported()
	e.AllDay = start.kind == kindDate
	e.Floating = start.kind == kindFloating
	if start.kind == kindZoned {
		e.TZID = strings.TrimSpace(sp.Params.Get(ical.ParamTimezoneID))
	}
	switch {
	case props.Get(ical.PropDuration) != nil:
		d, err := parseDuration(props.Get(ical.PropDuration).Value)
		if err != nil {
			if err := p.warn(fmt.Errorf("DURATION of %q: %w", e.UID, err)); err != nil {
				return err
			}
			break
		}
		e.dur = d
	case props.Get(ical.PropDateTimeEnd) != nil:
		end, err := p.dateTimeProp(props.Get(ical.PropDateTimeEnd))
		if err != nil {
			if err := p.warn(fmt.Errorf("DTEND of %q: %w", e.UID, err)); err != nil {
				return err
			}
			break
		}
		if start.kind == kindDate {
			e.dur.days = int(end.wall.Sub(start.wall).Hours() / 24)
		} else if start.kind == kindFloating && end.kind == kindFloating {
			e.dur.exact = end.wall.Sub(start.wall)
		} else {
			e.dur.exact = end.at(time.UTC).Sub(start.at(time.UTC))
		}
	}
	if start.kind == kindDate && e.dur.days <= 0 && e.dur.exact <= 0 {
		e.dur = duration{days: 1}
	}
	if e.dur.days < 0 || e.dur.exact < 0 {
		if err := p.warn(fmt.Errorf("event %q ends before it starts; read as zero length", e.UID)); err != nil {
			return err
		}
		e.dur = duration{}
	}
	// Floating and all-day values stay wall clocks in UTC, where the
	// arithmetic is plain.
	e.End = e.dur.end(e.Start, start.zone(time.UTC))
	e.Duration = e.End.Sub(e.Start)
	if start.kind == kindDate {
		e.Duration = time.Duration(e.dur.days) * 24 * time.Hour
	}
	return nil
}

// recurrence reads RRULE, RDATE, EXDATE and RECURRENCE-ID.
func (p *parser) recurrence(e *Event) error {
	props := e.Component.Props
	for _, rp := range props.Values(ical.PropRecurrenceRule) {
		if strings.TrimSpace(rp.Value) == "" {
			// Seen in the wild ("RRULE:" on every event of a holiday feed):
			// no rule, a single event.
			if err := p.warn(fmt.Errorf("event %q: empty RRULE ignored", e.UID)); err != nil {
				return err
			}
			continue
		}
		e.RRules = append(e.RRules, strings.TrimSpace(rp.Value))
		r, err := parseRule(rp.Value)
		if err != nil {
			// The event's dates cannot be right without its rule: keep the
			// event (its details are still useful) and fail its expansion.
			e.ruleErr = err
			if err := p.warn(fmt.Errorf("event %q: %w", e.UID, err)); err != nil {
				return err
			}
			continue
		}
		e.rules = append(e.rules, r)
	}
	// EXRULE is deprecated (RFC 5545 dropped it) but older files use it.
	for _, rp := range props.Values("EXRULE") {
		r, err := parseRule(rp.Value)
		if err != nil {
			e.ruleErr = err
			if err := p.warn(fmt.Errorf("event %q: EXRULE: %w", e.UID, err)); err != nil {
				return err
			}
			continue
		}
		e.exrules = append(e.exrules, r)
	}
	for _, rp := range props.Values(ical.PropRecurrenceDates) {
		period := strings.EqualFold(rp.Params.Get(ical.ParamValue), "PERIOD")
		for _, s := range splitList(rp.Value) {
			var rd rdate
			first, second, isPeriod := strings.Cut(s, "/")
			v, err := p.dateTimeValue(&rp, first)
			if err == nil && (isPeriod || period) {
				if strings.HasPrefix(strings.TrimLeft(second, "+-"), "P") {
					rd.dur, err = parseDuration(second)
				} else {
					var end dateTime
					end, err = p.dateTimeValue(&rp, second)
					rd.dur.exact = end.at(time.UTC).Sub(v.at(time.UTC))
				}
				rd.hasDur = err == nil && rd.dur.exact >= 0 && rd.dur.days >= 0
			}
			if err != nil {
				if err := p.warn(fmt.Errorf("RDATE of %q: %w", e.UID, err)); err != nil {
					return err
				}
				continue
			}
			rd.at = v
			e.rdates = append(e.rdates, rd)
			per := Period{Start: v.exported()}
			if rd.hasDur {
				per.End = rd.dur.end(per.Start, v.zone(time.UTC))
			}
			e.RDates = append(e.RDates, per)
		}
	}
	for _, xp := range props.Values(ical.PropExceptionDates) {
		for _, s := range splitList(xp.Value) {
			v, err := p.dateTimeValue(&xp, s)
			if err != nil {
				if err := p.warn(fmt.Errorf("EXDATE of %q: %w", e.UID, err)); err != nil {
					return err
				}
				continue
			}
			e.exdates = append(e.exdates, v)
			e.ExDates = append(e.ExDates, v.exported())
		}
	}
	if rp := props.Get(ical.PropRecurrenceID); rp != nil {
		v, err := p.dateTimeProp(rp)
		if err != nil {
			return err
		}
		e.recurID, e.hasRecurID = v, true
		e.RecurrenceID = v.exported()
		e.ThisAndFuture = strings.EqualFold(rp.Params.Get(ical.ParamRange), "THISANDFUTURE")
	}
	return nil
}

func (p *parser) alarm(c *ical.Component) (Alarm, error) {
	a := Alarm{
		Action:      strings.ToUpper(strings.TrimSpace(val(c.Props.Get(ical.PropAction)))),
		Description: text(c.Props.Get(ical.PropDescription)),
	}
	if a.Description == "" {
		a.Description = text(c.Props.Get(ical.PropSummary))
	}
	tp := c.Props.Get(ical.PropTrigger)
	if tp == nil {
		return a, errors.New("TRIGGER missing")
	}
	if strings.EqualFold(tp.Params.Get(ical.ParamValue), "DATE-TIME") {
		v, err := p.dateTimeProp(tp)
		if err != nil {
			return a, err
		}
		a.Absolute = v.at(time.UTC)
	} else {
		d, err := tp.Duration()
		if err != nil {
			return a, fmt.Errorf("TRIGGER: %w", err)
		}
		a.Trigger = d
		a.RelatedEnd = strings.EqualFold(tp.Params.Get(ical.ParamRelated), "END")
	}
	if rp := c.Props.Get(ical.PropRepeat); rp != nil {
		a.Repeat, _ = strconv.Atoi(strings.TrimSpace(rp.Value))
		if dp := c.Props.Get(ical.PropDuration); dp != nil {
			a.RepeatEvery, _ = dp.Duration()
		}
	}
	return a, nil
}

func person(p *ical.Prop) Person {
	v := strings.TrimSpace(p.Value)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = strings.TrimSpace(v[7:])
	} else if e := p.Params.Get(ical.ParamEmail); e != "" {
		v = e
	}
	return Person{Email: v, Name: strings.TrimSpace(p.Params.Get(ical.ParamCommonName))}
}

func attendee(p *ical.Prop) Attendee {
	a := Attendee{
		Person:   person(p),
		PartStat: strings.ToUpper(p.Params.Get(ical.ParamParticipationStatus)),
		Role:     strings.ToUpper(p.Params.Get(ical.ParamRole)),
		RSVP:     strings.EqualFold(p.Params.Get(ical.ParamRSVP), "TRUE"),
		Type:     strings.ToUpper(p.Params.Get(ical.ParamCalendarUserType)),
	}
	if a.PartStat == "" {
		a.PartStat = "NEEDS-ACTION"
	}
	if a.Role == "" {
		a.Role = "REQ-PARTICIPANT"
	}
	if a.Type == "" {
		a.Type = "INDIVIDUAL"
	}
	return a
}

// group attaches overrides to their masters. Of two masters (or two
// overrides of one instance) with the same UID the one with the higher
// SEQUENCE wins, on a tie the later one in the data (a later copy in a
// concatenated stream is the update).
func group(events []*Event) []*Event {
	newer := func(a, b *Event) bool { // is b newer than a?
		return b.Sequence > a.Sequence || (b.Sequence == a.Sequence && b.order > a.order)
	}
	masters := map[string]*Event{}
	var out []*Event
	for _, e := range events {
		if e.hasRecurID {
			continue
		}
		if e.UID == "" {
			out = append(out, e)
			continue
		}
		if m, ok := masters[e.UID]; ok {
			if newer(m, e) {
				*m = *e // keep m's slot in out
			}
			continue
		}
		masters[e.UID] = e
		out = append(out, e)
	}
	type key struct {
		uid string
		rid int64
	}
	seen := map[key]*Event{}
	for _, e := range events {
		if !e.hasRecurID {
			continue
		}
		k := key{e.UID, e.recurID.at(time.UTC).Unix()}
		if prev, ok := seen[k]; ok {
			if newer(prev, e) {
				*prev = *e
			}
			continue
		}
		seen[k] = e
		if m, ok := masters[e.UID]; ok && e.UID != "" {
			m.Overrides = append(m.Overrides, e)
		} else {
			out = append(out, e)
		}
	}
	for _, m := range masters {
		slices.SortFunc(m.Overrides, func(a, b *Event) int {
			return a.recurID.at(time.UTC).Compare(b.recurID.at(time.UTC))
		})
	}
	return out
}

func val(p *ical.Prop) string {
	if p == nil {
		return ""
	}
	return p.Value
}

// tzidsDefined checks that every TZID parameter below c names a VTIMEZONE of
// the calendar (RFC 5545 §3.2.19).
func tzidsDefined(cal, c *ical.Component) error {
	for _, props := range c.Props {
		for _, p := range props {
			id := p.Params.Get(ical.ParamTimezoneID)
			if id == "" {
				continue
			}
			found := false
			for _, ch := range cal.Children {
				if ch.Name == ical.CompTimezone && strings.TrimSpace(val(ch.Props.Get(ical.PropTimezoneID))) == strings.TrimSpace(id) {
					found = true
					break
				}
			}
			if !found {
				return fmt.Errorf("TZID %q has no VTIMEZONE", id)
			}
		}
	}
	for _, ch := range c.Children {
		if err := tzidsDefined(cal, ch); err != nil {
			return err
		}
	}
	return nil
}

// validate is what Strict adds beyond reading: the RFC 5545 rules a reader
// can check without guessing. VERSION:2.0 and PRODID on a VCALENDAR (1.0 is
// vCalendar, a different format), UID and DTSTAMP once on a VEVENT, and
// well-formed date-times in every component, also those Parse does not read
// (VFREEBUSY, VTODO).
func validate(c *ical.Component) error {
	once := func(names ...string) error {
		for _, n := range names {
			if k := len(c.Props.Values(n)); k != 1 {
				return fmt.Errorf("%s has %d %s properties, want exactly one", c.Name, k, n)
			}
		}
		return nil
	}
	switch c.Name {
	case ical.CompCalendar:
		if err := once(ical.PropVersion, ical.PropProductID); err != nil {
			return err
		}
		if v := strings.TrimSpace(c.Props.Get(ical.PropVersion).Value); v != "2.0" {
			return fmt.Errorf("VERSION %q is not iCalendar 2.0", v)
		}
		if len(c.Children) == 0 {
			return errors.New("VCALENDAR has no components")
		}
		if err := tzidsDefined(c, c); err != nil {
			return err
		}
	case ical.CompEvent:
		if err := once(ical.PropUID, ical.PropDateTimeStamp); err != nil {
			return err
		}
		switch st := strings.ToUpper(val(c.Props.Get(ical.PropStatus))); st {
		case "", "TENTATIVE", "CONFIRMED", "CANCELLED":
		default:
			return fmt.Errorf("VEVENT STATUS %q is not TENTATIVE, CONFIRMED or CANCELLED", st)
		}
	case ical.CompAlarm:
		if err := once(ical.PropAction, ical.PropTrigger); err != nil {
			return err
		}
		act := strings.ToUpper(c.Props.Get(ical.PropAction).Value)
		if (act == "DISPLAY" || act == "EMAIL") && c.Props.Get(ical.PropDescription) == nil {
			return fmt.Errorf("VALARM ACTION:%s without DESCRIPTION", act)
		}
	}
	// The date-time properties, of which these must be UTC (RFC 5545 §3.8.7).
	utcProps := []string{ical.PropDateTimeStamp, ical.PropCreated, ical.PropLastModified, ical.PropCompleted}
	for _, n := range append([]string{ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDue, ical.PropRecurrenceID}, utcProps...) {
		for _, p := range c.Props.Values(n) {
			v, err := parseDateTimeValue(p.Value, isDateParam(&p))
			if err != nil {
				return fmt.Errorf("%s %s: %w", c.Name, n, err)
			}
			if v.kind != kindUTC && slices.Contains(utcProps, n) {
				return fmt.Errorf("%s %s %q is not UTC", c.Name, n, p.Value)
			}
		}
	}
	for _, n := range []string{ical.PropAttendee, ical.PropOrganizer} {
		for _, p := range c.Props.Values(n) {
			if v := strings.TrimSpace(p.Value); v == "" || strings.ContainsAny(v, " \t") || !strings.Contains(v, ":") {
				return fmt.Errorf("%s %s %q is not a URI", c.Name, n, p.Value)
			}
		}
	}
	if g := c.Props.Get(ical.PropGeo); g != nil {
		lat, lon, ok := strings.Cut(g.Value, ";")
		_, err1 := strconv.ParseFloat(lat, 64)
		_, err2 := strconv.ParseFloat(lon, 64)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("%s GEO %q is not two floats", c.Name, g.Value)
		}
	}
	for _, ch := range c.Children {
		if err := validate(ch); err != nil {
			return err
		}
	}
	return nil
}
