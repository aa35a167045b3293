package message

import (
	"bufio"
	"bytes"
	"strings"
)

// DeliveryStatus is one recipient's block of a delivery status
// notification (RFC 3464, message/delivery-status).
type DeliveryStatus struct {
	Recipient  string // Final-Recipient (else Original-Recipient), an address
	Action     string // failed, delayed, delivered, relayed, expanded (lower case)
	Status     string // "5.1.1"
	Diagnostic string // Diagnostic-Code without its type ("550 5.1.1 User unknown")
}

// Original is what a report says of the mail it is about: the headers of
// its message/rfc822 or text/rfc822-headers part.
type Original struct {
	MessageID string
	Subject   string
	From, To  []Address
}

// maxDeliveryStatuses bounds the recipients kept from one report.
const maxDeliveryStatuses = 20

// reportPart reads the machine parts of a delivery report: the status
// blocks and the original's headers. It reports whether it took the part.
func (w *walker) reportPart(mediaType string, body []byte) bool {
	switch mediaType {
	case "message/delivery-status", "message/global-delivery-status":
		w.msg.Delivery = append(w.msg.Delivery, parseDeliveryStatus(body)...)
		if len(w.msg.Delivery) > maxDeliveryStatuses {
			w.msg.Delivery = w.msg.Delivery[:maxDeliveryStatuses]
		}
		return true
	case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
		if w.msg.Original != nil {
			return true
		}
		hb := readHeader(bufio.NewReader(bytes.NewReader(body)), len(body))
		var o Message
		o.fillHeader(hb.fields)
		w.msg.Original = &Original{MessageID: o.MessageID, Subject: o.Subject, From: o.From, To: o.To}
		return true
	}
	return false
}

// parseDeliveryStatus reads the per-recipient blocks of a
// message/delivery-status body: header-like fields, blocks separated by
// blank lines, the first block being the per-message fields.
func parseDeliveryStatus(body []byte) []DeliveryStatus {
	var out []DeliveryStatus
	var block fields
	flush := func() {
		defer func() { block = nil }()
		rcpt := block.get("Final-Recipient")
		if rcpt == "" {
			rcpt = block.get("Original-Recipient")
		}
		email := normalizeEmail(afterType(rcpt))
		if email == "" || len(out) >= maxDeliveryStatuses {
			return
		}
		out = append(out, DeliveryStatus{
			Recipient:  email,
			Action:     strings.ToLower(cleanLine(toUTF8(block.get("Action")))),
			Status:     cleanLine(toUTF8(block.get("Status"))),
			Diagnostic: cleanLine(toUTF8(afterType(block.get("Diagnostic-Code")))),
		})
	}
	for _, line := range strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case (line[0] == ' ' || line[0] == '\t') && len(block) > 0:
			block[len(block)-1].value += " " + strings.TrimSpace(line)
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			block = append(block, field{key: canonicalKey([]byte(strings.TrimSpace(k))), value: strings.TrimSpace(v)})
		}
	}
	flush()
	return out
}

// afterType drops the type of a DSN field: "rfc822; bob@example.com",
// "smtp; 550 …".
func afterType(v string) string {
	if t, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(t, " @<") {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(v)
}
