package agenda

import (
	"regexp"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/planner/extract"
)

// DefaultLeaveBefore is Config.LeaveBefore when zero.
const DefaultLeaveBefore = 45 * time.Minute

// leaveBuffer is how long before the time to leave the reminder fires
// when the event gives the trip's length.
const leaveBuffer = 10 * time.Minute

var (
	// onlinePlace is a location that is a link, a call or a video meeting.
	onlinePlace = regexp.MustCompile(`(?i)https?://|www\.|\bzoom\b|\bteams\b|google meet|meet\.google|webex|skype|jitsi|whereby|\bonline\b|en ligne|\bvisio|video ?call|visioconf|\bcall\b|\bphone\b|téléphon|telefon|\bvirtual|\bremote\b|hangout|discord|slack|\bdial[- ]in\b`)
	// roomPlace is a room or floor of the building the user works in.
	roomPlace = regexp.MustCompile(`(?i)^\s*(?:room|salle|raum|meeting room|conference room|salle de réunion|besprechungsraum|konferenzraum|bureau|office|büro|floor|étage|etage|stock|bldg|building|bâtiment|gebäude|desk|cafeteria|kitchen|cuisine|küche|hq)\b|\b(?:room|salle|raum|rm\.?)\s*[\d\p{Lu}][\w.-]*\s*$|^[\p{Lu}]?\d{1,4}[\p{Lu}]?(?:\.\d{1,3})?$|\b(?:office|bureau|bureaux|büro|campus|hq|headquarters|siège|zentrale)\b`)
	// homePlace is the user's home.
	homePlace = regexp.MustCompile(`(?i)^\s*(?:home|at home|my place|maison|à la maison|chez moi|domicile|zu ?hause|daheim|homeoffice|home office|télétravail)\s*$`)
)

// offSite reports whether an event happens in person away from the usual
// place: it has a location that is neither a link or call, nor a room of
// the office, nor home, and no conference link.
func offSite(location string, conference []string) bool {
	location = strings.TrimSpace(location)
	if location == "" || len(conference) > 0 {
		return false
	}
	return !onlinePlace.MatchString(location) && !roomPlace.MatchString(location) && !homePlace.MatchString(location)
}

// leaveFacts are the facts of an occurrence about leaving for it: off_site,
// trip (how long the way takes when the event's text says so, else 0),
// leave_at (start − trip, else start − Config.LeaveBefore), leave_time
// ("08:15") and leave_buffer (how long before leave_at to remind: 10 min
// when the trip is known, else 0).
func (e *Enricher) leaveFacts(facts map[string]any, ce event.CalendarEvent, location string, start time.Time, allDay bool) {
	trip, ok := extract.TripTime(ce.Description + "\n" + location)
	if !ok {
		trip = 0
	}
	// An event that says how long the way there takes is in person, even
	// without a location.
	off := !allDay && len(ce.Conference) == 0 &&
		(offSite(location, ce.Conference) || ok && !onlinePlace.MatchString(location) && !homePlace.MatchString(location))
	facts["off_site"] = off
	facts["trip"] = trip
	lead, buffer := e.cfg.LeaveBefore, time.Duration(0)
	if lead <= 0 {
		lead = DefaultLeaveBefore
	}
	if trip > 0 {
		lead, buffer = trip, leaveBuffer
	}
	leave := start.Add(-lead).In(e.cfg.Location)
	facts["leave_at"] = leave
	facts["leave_time"] = leave.Format("15:04")
	facts["leave_buffer"] = buffer
}
