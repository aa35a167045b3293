package correspondence

import (
	"time"

	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/planner/extract"
)

// Margins of the reminders to leave for a departure (facts.be_there_at):
// at the station a few minutes before the train, at the airport two hours
// before a flight, or 45 minutes before boarding (an hour before the gate
// closes) when the mail gives those.
const (
	stationMargin    = 10 * time.Minute
	airportMargin    = 2 * time.Hour
	boardingMargin   = 45 * time.Minute
	gateMargin       = time.Hour
	connectionMargin = 15 * time.Minute
	// tripBuffer is added to a trip whose length the mail gives.
	tripBuffer = 10 * time.Minute
)

// legFacts are the facts of a flight or train leg about leaving for it:
// boarding_at and gate_closes_at (nil when the mail does not say),
// arrives (where the leg goes), connection (the traveller is already
// there), be_there_at (when to be at the station, airport or, for a
// connection, the gate) and trip (how long the way there takes when the
// mail says so, else 0; rules use settings.leave_before then).
func legFacts(u *planner.Unit, b extract.Booking, text string, loc *time.Location) {
	startLoc := loc
	if b.Zone != "" {
		if z, err := time.LoadLocation(b.Zone); err == nil {
			startLoc = z
		}
	}
	u.Facts["boarding_at"] = zeroOr(b.Boarding, startLoc)
	u.Facts["gate_closes_at"] = zeroOr(b.GateCloses, startLoc)
	u.Facts["arrives"] = oneLine(b.To, 100)
	u.Facts["connection"] = b.Connection
	trip, _ := extract.TripTime(text)
	u.Facts["trip"] = trip
	u.Facts["trip_before"] = tripBefore(trip)
	if b.Start.IsZero() {
		u.Facts["be_there_at"] = nil
		return
	}
	there := b.Start.Add(-stationMargin)
	if b.Kind == extract.KindFlight {
		there = b.Start.Add(-airportMargin)
		if !b.Boarding.IsZero() || !b.GateCloses.IsZero() {
			there = b.Start
			if !b.Boarding.IsZero() {
				there = b.Boarding.Add(-boardingMargin)
			}
			if !b.GateCloses.IsZero() && b.GateCloses.Add(-gateMargin).Before(there) {
				there = b.GateCloses.Add(-gateMargin)
			}
		}
	}
	if b.Connection {
		there = b.Start
		for _, t := range []time.Time{b.Boarding, b.GateCloses} {
			if !t.IsZero() && t.Before(there) {
				there = t
			}
		}
		there = there.Add(-connectionMargin)
	}
	u.Facts["be_there_at"] = there.In(startLoc)
}

// tripBefore is how long before being there to leave when the trip's
// length is known: the trip and a buffer; 0 when it is not.
func tripBefore(trip time.Duration) time.Duration {
	if trip <= 0 {
		return 0
	}
	return trip + tripBuffer
}

// parcelFacts are the facts of a parcel: needs_presence (a signature or
// someone at home), window_end (nil without a window) and remind_at: an
// hour before the window, else 08:00 on the day, never before the mail
// arrived.
func parcelFacts(u *planner.Unit, b extract.Booking, written time.Time, loc *time.Location) {
	u.Facts["needs_presence"] = b.Presence
	u.Facts["window_end"] = zeroOr(b.End, loc)
	u.Facts["window"] = ""
	var remind time.Time
	if !b.End.IsZero() {
		u.Facts["window"] = b.Start.In(loc).Format("15:04") + "–" + b.End.In(loc).Format("15:04")
		remind = b.Start.Add(-time.Hour)
	} else {
		s := b.Start.In(loc)
		remind = time.Date(s.Year(), s.Month(), s.Day(), 8, 0, 0, 0, loc)
	}
	if remind.Before(written) {
		remind = written
	}
	u.Facts["remind_at"] = remind.In(loc)
}
