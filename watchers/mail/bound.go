package mail

import (
	"slices"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/watchers/internal/ics"
)

// Bounds on what one mail event carries. A mail is read up to 64 KiB, but
// its calendar parts expand: two endless HOURLY events in a 676-byte mail
// made an event of 1.8 MB, over the bus's 1 MB limit. A cut text ends in
// "…"; a cut field is named in Mail.Truncated (and an invitation's own
// cuts in its CalendarEvent.Truncated).
const (
	// maxInvitations is how many calendar events of a mail are kept.
	maxInvitations = 20
	// maxInvitationOccurrences is how many occurrences one invitation
	// carries: the first ones of its window (half a year of a daily
	// meeting, a week of an hourly one).
	maxInvitationOccurrences = 200
	// maxMailOccurrences bounds the occurrences of all invitations of one
	// mail together.
	maxMailOccurrences = 500
	maxSubject         = 1000 // runes
	maxAddresses       = 100  // per address list (From, To, Cc, Reply-To)
	maxAddressText     = 320  // runes of a name or an address
	maxAttachments     = 50   // attachment names
	maxAttachmentName  = 200  // runes of one
)

// bound cuts the fields of m to the limits above.
func bound(m *event.Mail) {
	if s, ok := ics.CutText(m.Subject, maxSubject); ok {
		m.Subject = s
		markTruncated(m, "subject")
	}
	for _, l := range []struct {
		field string
		list  *[]event.Address
	}{{"from", &m.From}, {"reply_to", &m.ReplyTo}, {"to", &m.To}, {"cc", &m.Cc}} {
		if boundAddresses(l.list) {
			markTruncated(m, l.field)
		}
	}
	if len(m.Attachments) > maxAttachments {
		m.Attachments = m.Attachments[:maxAttachments:maxAttachments]
		markTruncated(m, "attachments")
	}
	for i, a := range m.Attachments {
		if s, ok := ics.CutText(a, maxAttachmentName); ok {
			m.Attachments[i] = s
			markTruncated(m, "attachments")
		}
	}
	if len(m.Invitations) > maxInvitations {
		m.Invitations = m.Invitations[:maxInvitations:maxInvitations]
		markTruncated(m, "invitations")
	}
	left := maxMailOccurrences
	for i := range m.Invitations {
		inv := &m.Invitations[i]
		n := min(maxInvitationOccurrences, left)
		ics.CapOccurrences(inv, n)
		left -= len(inv.Occurrences)
	}
}

func boundAddresses(as *[]event.Address) bool {
	cut := false
	if len(*as) > maxAddresses {
		*as = (*as)[:maxAddresses:maxAddresses]
		cut = true
	}
	for i := range *as {
		a := &(*as)[i]
		if s, ok := ics.CutText(a.Name, maxAddressText); ok {
			a.Name, cut = s, true
		}
		if s, ok := ics.CutText(a.Email, maxAddressText); ok {
			a.Email, cut = s, true
		}
	}
	return cut
}

func markTruncated(m *event.Mail, field string) {
	if !slices.Contains(m.Truncated, field) {
		m.Truncated = append(m.Truncated, field)
	}
}
