package config

import (
	"path"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// NotifyRoute is one entry of notify.routes, the route tree: the
// suggestions it matches and the channels they go to. Routes are tried in
// order and the first match wins unless it says continue; a suggestion no
// route matches goes to each channel its own min_priority and kinds take.
type NotifyRoute struct {
	// Match; empty conditions match everything.
	Kinds       []string
	MinPriority string
	// Source is a pattern over the suggestion's sources, kind:name with
	// shell wildcards: "mail:*", "feed:go-blog", "calendar:work".
	Source string
	// Hours is "" (any time), RouteHoursWorking or RouteHoursOff, read
	// against user.working_hours.
	Hours string
	// Channels the matching suggestions go to (terminal, desktop, ntfy,
	// webhook); empty = none, the digest only.
	Channels []string
	// Continue tries the following routes too; their channels add up.
	Continue bool
}

// Working-hours conditions of a route (match.hours).
const (
	RouteHoursWorking = "working"
	RouteHoursOff     = "off"
)

// What quiet hours do to a non-urgent suggestion (notify.outside_hours).
const (
	OutsideHoursWait   = "wait"
	OutsideHoursDigest = "digest"
)

// DefaultGroupWindow is how long after a notification a burst of related
// suggestions is gathered into one (notify.group_window).
const DefaultGroupWindow = Duration(time.Minute)

func channelNames() []string { return []string{"terminal", "desktop", "ntfy", "webhook"} }

// configured returns the channels n turns on, in channelNames order.
func (n *Notify) configured() []string {
	var out []string
	for _, c := range channelNames() {
		switch {
		case c == "terminal" && n.Terminal != nil, c == "desktop" && n.Desktop != nil,
			c == "ntfy" && n.Ntfy != nil, c == "webhook" && n.Webhook != nil:
			out = append(out, c)
		}
	}
	return out
}

// delivery reads the delivery policy keys of notify: routes,
// outside_hours, max_interruptions and group_window. The channels must be
// read already.
func (d *decoder) delivery(f fields, n *Notify) {
	ohV := f.get("outside_hours")
	n.OutsideHours = d.oneOf(ohV, "outside_hours (what quiet hours do to a non-urgent suggestion)", OutsideHoursWait, OutsideHoursWait, OutsideHoursDigest)
	if n.OutsideHours == OutsideHoursDigest && n.Digest == nil && f.get("digest").absent() {
		d.errorf(ohV, "\"digest\" needs notify.digest, the daily digest mail: configure it, or use wait")
	}
	if x, ok := d.integer(f.get("max_interruptions"), 0, 10000); ok {
		n.MaxInterruptions = int(x)
	}
	n.GroupWindow = d.duration(f.get("group_window"), DefaultGroupWindow, 0)
	configured := n.configured()
	for _, item := range d.list(f.get("routes"), "routes (each with match, channels and continue)") {
		rf, ok := d.fields(item, "a route", "match", "channels", "continue")
		if !ok {
			continue
		}
		var r NotifyRoute
		mf, _ := d.fields(rf.get("match"), "notify.routes[].match", "kind", "min_priority", "source", "hours")
		r.Kinds = d.kinds(mf.get("kind"))
		r.MinPriority = d.oneOf(mf.get("min_priority"), "priority", "", priorities()...)
		r.Source = d.sourcePattern(mf.get("source"))
		r.Hours = d.oneOf(mf.get("hours"), "hours (read against user.working_hours)", "", RouteHoursWorking, RouteHoursOff)
		chV := rf.get("channels")
		if chV.absent() {
			d.errorf(chV, "required: the channels to send to, e.g. [desktop, ntfy] ([] for the digest only; configured: %s)", strings.Join(configured, ", "))
		}
		r.Channels = []string{}
		for _, cv := range d.list(chV, "channels ("+strings.Join(channelNames(), ", ")+")") {
			c := d.str(cv)
			switch {
			case !slices.Contains(channelNames(), c):
				d.errorf(cv, "%q is not a channel (valid: %s)", c, strings.Join(channelNames(), ", "))
			case !slices.Contains(configured, c):
				d.errorf(cv, "%q is not configured under notify (configured: %s)", c, orNone(configured))
			case !slices.Contains(r.Channels, c):
				r.Channels = append(r.Channels, c)
			}
		}
		if b := d.boolp(rf.get("continue")); b != nil {
			r.Continue = *b
		}
		n.Routes = append(n.Routes, r)
	}
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// sourcePattern reads match.source: kind:name, either part a shell
// pattern.
func (d *decoder) sourcePattern(v val) string {
	s := strings.TrimSpace(d.str(v))
	if s == "" {
		return ""
	}
	kind, _, ok := strings.Cut(s, ":")
	if _, err := path.Match(s, ""); err != nil || !ok {
		d.errorf(v, "%q is not a source pattern: expected kind:name with * and ? wildcards, e.g. \"mail:*\", \"feed:go-blog\" or \"calendar:work\"", s)
		return ""
	}
	if matched, _ := path.Match(kind, "mail"); !matched && !slices.ContainsFunc([]string{"feed", "calendar"}, func(k string) bool {
		m, _ := path.Match(kind, k)
		return m
	}) {
		d.errorf(v, "%q: source kind %q matches no source (valid: mail, feed, calendar or *)", s, kind)
		return ""
	}
	return s
}

// encodeDelivery writes what delivery reads.
func encodeDelivery(m yaml.MapSlice, n Notify) yaml.MapSlice {
	var routes []yaml.MapSlice
	for _, r := range n.Routes {
		match := yaml.MapSlice{}
		match = put(match, "kind", r.Kinds)
		match = put(match, "min_priority", r.MinPriority)
		match = put(match, "source", r.Source)
		match = put(match, "hours", r.Hours)
		rm := yaml.MapSlice{{Key: "match", Value: match}, {Key: "channels", Value: r.Channels}}
		if r.Continue {
			rm = append(rm, kv{Key: "continue", Value: true})
		}
		routes = append(routes, rm)
	}
	m = put(m, "routes", routes)
	m = put(m, "outside_hours", n.OutsideHours)
	if n.MaxInterruptions > 0 {
		m = put(m, "max_interruptions", n.MaxInterruptions)
	}
	return append(m, kv{Key: "group_window", Value: n.GroupWindow.String()})
}
