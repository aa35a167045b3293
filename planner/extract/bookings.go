package extract

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/agentd/agentd/internal/lazyre"
)

// Booking is a reservation, shipment or bill a mail confirms.
type Booking struct {
	Kind     string    // flight | train | hotel | parcel | invoice
	Ref      string    // flight number ("AF1234"), train ("TGV 6201"), booking reference, tracking number, invoice number
	Title    string    // human title, in the mail's language: "Flight AF 1234 Paris CDG → Berlin BER"
	Start    time.Time // departure, check-in or delivery day; a bare date means 18:00 as in Deadlines
	Due      time.Time // invoices: due date
	Amount   string    // invoices: "€ 120.00" as written
	Location string    // departure airport or station, hotel name
	// Zone is the IANA zone of a flight's departure airport when Start was
	// read there ("America/Toronto" for YUL; "Europe/Paris" for CDG, even
	// for a Paris user), as airline confirmations print local times. Empty
	// when Start was read in the caller's loc (trains, hotels, unknown or
	// unloadable airport zones).
	Zone string
	// Boarding and GateCloses are a flight's boarding time and the time
	// its gate closes, when the mail gives them (zero otherwise), read
	// like Start.
	Boarding   time.Time
	GateCloses time.Time
	// To is where a flight or train arrives ("Frankfurt FRA", "Lyon
	// Part-Dieu"); Connection marks a leg that leaves from where the
	// mail's previous leg arrived, within connectionGap of it: the
	// traveller is already at the airport or station.
	To         string
	Connection bool
	// End is the end of a parcel's delivery window (Start its start);
	// zero when the mail gives no window.
	End time.Time
	// Presence marks a delivery that needs someone there: a signature,
	// an ID check, cash on delivery, "someone must be home".
	Presence bool
}

// Kinds of Booking.
const (
	KindFlight  = "flight"
	KindTrain   = "train"
	KindHotel   = "hotel"
	KindParcel  = "parcel"
	KindInvoice = "invoice"
)

var (
	flightContext = lazyre.New(`(?i)(?:^|[^\p{L}])(?:flights?|vols?|flug|flüge|boarding|embarquement|bordkarte|e-ticket|airline|compagnie aérienne|fluggesellschaft|check-in)(?:[^\p{L}]|$)`)
	// flightLabelled is a flight number after its label: any two-character
	// airline designator is accepted there.
	flightLabelled = lazyre.New(`(?i:flight|vol|flug|flugnummer|flight number|flight no\.?|n° de vol|numéro de vol)\s*(?:n°|no\.?|nr\.?|number|#)?\s*:?\s*([A-Z][A-Z0-9]|[0-9][A-Z])\s?(\d{1,4})`)
	// flightBare is a flight number elsewhere; its airline must be known.
	flightBare = lazyre.New(`([A-Z][A-Z0-9]|[0-9][A-Z])\s?(\d{2,4})`)
	// airlines are IATA designators common in Europe; others need a label.
	airlines = map[string]bool{
		"AF": true, "KL": true, "LH": true, "BA": true, "U2": true, "FR": true, "VY": true, "IB": true,
		"AZ": true, "LX": true, "OS": true, "SN": true, "SK": true, "AY": true, "TP": true, "EI": true,
		"W6": true, "4U": true, "EW": true, "DL": true, "AA": true, "UA": true, "AC": true, "EK": true,
		"QR": true, "TK": true, "LO": true, "A3": true, "DY": true, "D8": true, "HV": true, "TO": true,
		"V7": true, "X3": true, "UX": true, "EY": true, "SQ": true, "CX": true, "JL": true, "NH": true,
		"QF": true, "LY": true, "AT": true, "RO": true, "OU": true, "BT": true, "WK": true, "LG": true,
		"SS": true, "XK": true, "TU": true, "DS": true, "BE": true, "LS": true, "ZB": true, "WF": true,
	}
	departureLabel = lazyre.New(`(?i)(?:^|[^\p{L}])(?:departure|departs|depart|departing|départ|abflug|abfahrt|outbound|aller|hinflug|hinfahrt)(?:[^\p{L}]|$)`)
	arrivalLabel   = lazyre.New(`(?i)(?:^|[^\p{L}])(?:arrival|arrives|arrivée|ankunft)(?:[^\p{L}]|$)`)
	airportParen   = lazyre.New(`\(([A-Z]{3})\)`)
	airportBare    = lazyre.New(`(?:^|[^\p{L}\p{N}])([A-Z]{3})(?:[^\p{L}\p{N}]|$)`)
	notAirports    = map[string]bool{
		"EUR": true, "USD": true, "GBP": true, "CHF": true, "CET": true, "CEST": true, "UTC": true, "GMT": true,
		"PNR": true, "VAT": true, "TVA": true, "PDF": true, "THE": true, "AND": true, "FOR": true, "YOU": true,
		"ETA": true, "ETD": true, "REF": true, "EOD": true, "COB": true, "TTC": true, "MWS": true, "ICE": true,
		"TGV": true, "TER": true, "SMS": true, "FAQ": true, "APP": true, "NON": true, "OUI": true, "HBF": true,
	}
	clockTime = lazyre.New(`(?:^|[^\d:.])([01]?\d|2[0-3])[:h]([0-5]\d)(?:[^\d]|$)`)

	trainNumber = lazyre.New(`(?:^|[^\p{L}\p{N}])(TGV INOUI|TGV|OUIGO|ICE|IC|EC|ECE|RJX|RJ|NJ|IRE|TER|Intercités|Intercity|Eurostar|Thalys|Frecciarossa|(?i:train|zug))\s*(?:n°|no\.?|nr\.?|number|#)?\s*(\d{2,5})(?:[^\p{L}\p{N}]|$)`)
	routeArrow  = lazyre.New(`([\p{Lu}][\p{L}\-'’. ]*?[\p{L}.])\s*(?:→|->|⇒|➔|>)\s*([\p{Lu}][\p{L}\-'’. ]*[\p{L}])`)

	hotelContext = lazyre.New(`(?i)(?:^|[^\p{L}])(?:hotel|hôtel|booking\.com|airbnb|unterkunft|hébergement|accommodation|chambre|zimmer|room)(?:[^\p{L}]|$)`)
	checkInLabel = lazyre.New(`(?i)(?:^|[^\p{L}])(?:check-in|check in|checkin|arrival|arrivée|anreise)(?:[^\p{L}]|$)`)
	bookingRef   = lazyre.New(`(?i)(?:confirmation|booking|reservation|réservation|buchungs|reservierungs|bestätigungs|dossier)[\p{L} ]{0,20}?(?:number|no\.?|n°|numéro|nummer|code|reference|référence)?\s*[:#]?\s*((?-i:[A-Z0-9][A-Z0-9-]{4,20}))(?:[^\p{L}\p{N}]|$)`)
	hotelLabel   = lazyre.New(`(?im)^[ \t]*(?:hotel|hôtel|property|établissement|unterkunft)[ \t]*:[ \t]*(\S.*)$`)
	hotelName    = lazyre.New(`((?:Hotel|Hôtel)(?:\s+[\p{Lu}][\p{L}'’&-]*){1,4})|((?:[\p{Lu}][\p{L}'’&-]*\s+){1,3}Hotel)(?:[^\p{L}]|$)`)
	// parcelPhrases say a parcel arrives today (lower case, ' apostrophe).
	parcelPhrases = []string{"out for delivery", "en cours de livraison", "in zustellung", "wird heute zugestellt",
		"zustellung heute", "arriving today", "arrives today", "sera livré aujourd'hui"}
	trackingRef = lazyre.New(`(?i)(?:tracking|suivi|sendungs|paket|colis|shipment|parcel)[\p{L} ]{0,25}?(?:number|no\.?|n°|numéro|nummer|id|#)?\s*[:#]?\s*((?-i:[A-Z0-9]{8,34}))(?:[^\p{L}\p{N}]|$)`)
	upsRef      = lazyre.New(`(?:^|[^\p{L}\p{N}])(1Z[0-9A-Z]{16})(?:[^\p{L}\p{N}]|$)`)
	carriers    = lazyre.New(`(?:^|[^\p{L}])(DHL|UPS|FedEx|DPD|GLS|Hermes|Colissimo|Chronopost|La Poste|Amazon|Mondial Relay|PostNL|Deutsche Post|TNT|Royal Mail|Evri)(?:[^\p{L}]|$)`)

	invoiceContext = lazyre.New(`(?i)(?:^|[^\p{L}])(?:invoice|facture|rechnung|your bill|payment due|amount due)`)
	invoiceRef     = lazyre.New(`(?i)(?:invoice|facture|rechnungs|rechnung)\s*(?:number|no\.?|n°|num(?:é|e)ro|nr\.?|nummer|#)?\s*[:#]?\s*((?-i:[A-Z0-9][A-Z0-9/_-]{2,24}))(?:[^\p{L}\p{N}]|$)`)
	dueLabel       = lazyre.New(`(?i)(?:^|[^\p{L}])(?:due|payable|échéance|à régler|à payer|fällig|zahlbar|zahlungsziel|payment date|date limite)`)
	amountRe       = lazyre.New(`(?:€|EUR|\$|USD|£|GBP|CHF)\s?\d{1,3}(?:[ .,'’ ]\d{3})*(?:[.,]\d{2})?|\d{1,3}(?:[ .,'’ ]\d{3})*(?:[.,]\d{2})?\s?(?:€|EUR|USD|\$|£|GBP|CHF)`)
	totalStrong    = lazyre.New(`(?i)amount due|total due|balance due|net à payer|à payer|montant dû|zu zahlen|rechnungsbetrag|gesamtbetrag|zahlbetrag`)
	totalWeak      = lazyre.New(`(?i)total|montant|betrag|summe|amount`)
	subTotal       = lazyre.New(`(?i)sub-?total|sous-total|zwischensumme|tva|vat|mwst|ust`)
)

// words used in titles, by language.
var titles = map[string]map[string]string{
	"en": {KindFlight: "Flight", KindTrain: "Train", KindHotel: "Hotel", KindParcel: "Parcel", KindInvoice: "Invoice",
		"delivery": "out for delivery", "due": "due"},
	"fr": {KindFlight: "Vol", KindTrain: "Train", KindHotel: "Hôtel", KindParcel: "Colis", KindInvoice: "Facture",
		"delivery": "en cours de livraison", "due": "échéance"},
	"de": {KindFlight: "Flug", KindTrain: "Zug", KindHotel: "Hotel", KindParcel: "Paket", KindInvoice: "Rechnung",
		"delivery": "in Zustellung", "due": "fällig"},
}

func word(lang, key string) string {
	lang = strings.ToLower(lang)
	if len(lang) > 2 {
		lang = lang[:2]
	}
	if t, ok := titles[lang]; ok {
		return t[key]
	}
	return titles["en"][key]
}

// Bookings returns the flights, trains, hotel stays, parcels out for
// delivery and invoices a mail confirms. Dates resolve as in Deadlines,
// against ref in loc, except a flight's departure: airlines print the
// departure airport's local time, so a known airport's zone is used (see
// AirportZone) and named in Booking.Zone. Quoted text is read too: a
// forwarded confirmation is still a booking. Only the first maxText bytes
// are read.
func Bookings(subject, text, lang string, ref time.Time, loc *time.Location) []Booking {
	if loc == nil {
		loc = time.UTC
	}
	if len(text) > maxText {
		text = text[:maxText]
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	ref = ref.In(loc)
	all := subject + "\n" + text
	b := &bookingReader{text: text, lang: lang, loc: loc, ref: ref}
	// Dates are read only for mails that look like a booking.
	if !flightContext.MatchString(all) && !hotelContext.MatchString(all) && !invoiceContext.MatchString(all) &&
		!isParcel(all) && !trainNumber.MatchString(text) {
		return nil
	}
	b.dates = grammarFor(lang).scan(text, ref, loc)

	var out []Booking
	if flightContext.MatchString(all) {
		out = append(out, b.flights()...)
	}
	out = append(out, b.trains()...)
	if hotelContext.MatchString(all) {
		out = append(out, b.hotels()...)
	}
	if isParcel(all) {
		out = append(out, b.parcel(subject))
	}
	if invoiceContext.MatchString(all) {
		if inv, ok := b.invoice(subject); ok {
			out = append(out, inv)
		}
	}
	return out
}

// isParcel reports whether text announces a parcel to wait for: one out
// for delivery, or a delivery that needs someone there (see presence).
func isParcel(text string) bool {
	if outForDelivery(text) {
		return true
	}
	lower := strings.ReplaceAll(strings.ToLower(text), "’", "'")
	return parcelWord.MatchString(lower) && needsPresence(lower)
}

// outForDelivery reports whether text says a parcel arrives today.
func outForDelivery(text string) bool {
	lower := strings.ReplaceAll(strings.ToLower(text), "’", "'")
	for _, p := range parcelPhrases {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

type bookingReader struct {
	text  string
	dates []found
	lang  string
	loc   *time.Location
	ref   time.Time
	// zoned are the dates of text read in an airport's zone, by zone name.
	zoned map[string]zonedDates
}

// zonedDates are the dates of the text resolved in loc.
type zonedDates struct {
	dates []found
	loc   *time.Location
}

// inZone is the text's dates read in the zone of airport code, and that
// zone's name; the dates in b.loc and "" when the code is unknown or its
// zone does not load. The text is scanned again rather than the dates
// shifted: a local time in the user's spring-forward gap exists at the
// airport.
func (b *bookingReader) inZone(code string) (zonedDates, string) {
	name, ok := airportZones[code]
	if !ok {
		return zonedDates{b.dates, b.loc}, ""
	}
	if z, ok := b.zoned[name]; ok {
		return z, name
	}
	z := zonedDates{b.dates, b.loc}
	if name != b.loc.String() {
		loc, ok := airportLocation(code)
		if !ok {
			return zonedDates{b.dates, b.loc}, ""
		}
		z = zonedDates{grammarFor(b.lang).scan(b.text, b.ref.In(loc), loc), loc}
	}
	if b.zoned == nil {
		b.zoned = map[string]zonedDates{}
	}
	b.zoned[name] = z
	return z, name
}

// occurrence is a reference number and where it is.
type occurrence struct {
	ref, display string
	pos, end     int
}

func (b *bookingReader) flights() []Booking {
	var occ []occurrence
	seen := map[string]bool{}
	addOcc := func(code, num string, pos, end int) {
		num = strings.TrimLeft(num, "0")
		if num == "" || !hasLetter(code) {
			return
		}
		occ = append(occ, occurrence{ref: code + num, display: code + " " + num, pos: pos, end: end})
	}
	for _, m := range flightLabelled.FindAllStringSubmatchIndex(b.text, -1) {
		if bounded(b.text, m[2], m[5]) {
			addOcc(b.text[m[2]:m[3]], b.text[m[4]:m[5]], m[2], m[5])
		}
	}
	for _, m := range flightBare.FindAllStringSubmatchIndex(b.text, -1) {
		code := b.text[m[2]:m[3]]
		if airlines[code] && bounded(b.text, m[2], m[5]) {
			addOcc(code, b.text[m[4]:m[5]], m[2], m[5])
		}
	}
	sort.SliceStable(occ, func(i, j int) bool { return occ[i].pos < occ[j].pos })
	var firsts []occurrence
	for _, o := range occ {
		if !seen[o.ref] {
			seen[o.ref] = true
			firsts = append(firsts, o)
		}
	}
	var out []Booking
	for i, o := range firsts {
		segEnd := len(b.text)
		if i+1 < len(firsts) {
			segEnd = b.legEnd(o.end, firsts[i+1].pos)
		}
		bk := Booking{Kind: KindFlight, Ref: o.ref}
		from, to, fromCode := b.route(o.end, segEnd)
		// Airlines print the departure airport's local time.
		z, zone := b.inZone(fromCode)
		if start, ok := b.startIn(o.pos, segEnd, departureLabel, z); ok {
			bk.Start, bk.Zone = start, zone
			bk.Boarding, bk.GateCloses = b.boarding(o.pos, segEnd, start)
		}
		bk.Location, bk.To = from, to
		bk.Title = word(b.lang, KindFlight) + " " + o.display
		if from != "" && to != "" {
			bk.Title += " " + from + " → " + to
		} else if from != "" {
			bk.Title += " " + from
		}
		out = append(out, bk)
	}
	markConnections(out)
	return out
}

// startIn is the departure of the booking whose text is [pos, end): the
// first date after a departure label there, else the first date there,
// else the last date within a few lines before pos (a date heading a
// table). A bare date takes the clock time on its line, else the one after
// the departure label. Dates and clock times are those of z.
func (b *bookingReader) startIn(pos, end int, label *lazyre.Regexp, z zonedDates) (time.Time, bool) {
	var pick *found
	labelEnd := -1
	if m := label.FindStringIndex(b.text[pos:end]); m != nil {
		labelEnd = pos + m[1]
		pick = firstDate(z.dates, labelEnd, end)
	}
	if pick == nil {
		pick = firstDate(z.dates, pos, end)
	}
	if pick == nil {
		for i := range z.dates {
			if d := &z.dates[i]; d.end <= pos && pos-d.end < lookBehind {
				pick = d
			}
		}
	}
	if pick == nil {
		return time.Time{}, false
	}
	if !pick.AllDay {
		return pick.Time, true
	}
	y, mo, dd := pick.Time.Date()
	at := func(m []string) time.Time { return time.Date(y, mo, dd, atoi(m[1]), atoi(m[2]), 0, 0, z.loc) }
	if m := clockTime.FindStringSubmatch(lineAt(b.text, pick.start, pick.end)); m != nil {
		return at(m), true
	}
	// A timetable row: "Berlin Hbf ab 07:34 Gleis 13   ICE 1001".
	if m := clockTime.FindStringSubmatch(lineAt(b.text, pos, pos)); m != nil {
		return at(m), true
	}
	if labelEnd >= 0 {
		if m := clockTime.FindStringSubmatch(lineAt(b.text, labelEnd, labelEnd)); m != nil {
			return at(m), true
		}
	}
	return pick.Time, true
}

// lookBehind is how far before a flight or train number its date may be.
const lookBehind = 300

// lineAt is the line holding text[from:to].
func lineAt(text string, from, to int) string {
	ls := strings.LastIndexByte(text[:from], '\n') + 1
	le := strings.IndexByte(text[to:], '\n')
	if le < 0 {
		return text[ls:]
	}
	return text[ls : to+le]
}

// firstDate is the first of dates whose phrase starts in [from, to).
func firstDate(dates []found, from, to int) *found {
	for i := range dates {
		if d := &dates[i]; d.start >= from && d.start < to && d.Kind != "" {
			return d
		}
	}
	return nil
}

// withClock gives a bare date the first clock time on its line.
func (b *bookingReader) withClock(d found) time.Time {
	if !d.AllDay {
		return d.Time
	}
	if m := clockTime.FindStringSubmatch(lineAt(b.text, d.start, d.end)); m != nil {
		y, mo, dd := d.Time.Date()
		return time.Date(y, mo, dd, atoi(m[1]), atoi(m[2]), 0, 0, b.loc)
	}
	return d.Time
}

// route finds the departure and arrival airports in [from, to), each as
// "City CODE" when the city is written next to it, and the departure's
// code alone.
func (b *bookingReader) route(from, to int) (dep, arr, depCode string) {
	seg := b.text[from:to]
	type code struct {
		code string
		pos  int
	}
	var codes []code
	for _, m := range airportParen.FindAllStringSubmatchIndex(seg, -1) {
		codes = append(codes, code{seg[m[2]:m[3]], m[2]})
	}
	if len(codes) < 2 {
		codes = codes[:0]
		for _, m := range airportBare.FindAllStringSubmatchIndex(seg, -1) {
			if c := seg[m[2]:m[3]]; !notAirports[c] {
				codes = append(codes, code{c, m[2]})
			}
		}
	}
	seen := map[string]bool{}
	uniq := codes[:0]
	for _, c := range codes {
		if !seen[c.code] {
			seen[c.code] = true
			uniq = append(uniq, c)
		}
	}
	codes = uniq
	// A departure label says which code is the origin.
	if m := departureLabel.FindStringIndex(seg); m != nil {
		for i, c := range codes {
			if c.pos > m[1] {
				codes = append([]code{c}, append(codes[:i:i], codes[i+1:]...)...)
				break
			}
		}
	}
	name := func(c code) string {
		if city := cityBefore(seg, c.pos); city != "" {
			return city + " " + c.code
		}
		return c.code
	}
	switch {
	case len(codes) == 0:
		return "", "", ""
	case len(codes) == 1:
		return name(codes[0]), "", codes[0].code
	}
	dest := codes[1]
	if m := arrivalLabel.FindStringIndex(seg); m != nil {
		for _, c := range codes[1:] {
			if c.pos > m[1] {
				dest = c
				break
			}
		}
	}
	return name(codes[0]), name(dest), codes[0].code
}

// cityBefore is the first capitalised word between the field's start (line
// start, a colon, an arrow, a clock time) and an airport code at pos.
func cityBefore(seg string, pos int) string {
	start := strings.LastIndexByte(seg[:pos], '\n') + 1
	for i := pos - 1; i >= start; i-- {
		if c := seg[i]; c == ':' || c == '>' || c == '-' || c == ')' || c == ',' || (c >= '0' && c <= '9') {
			start = i + 1
			break
		}
		if strings.HasPrefix(seg[i:], "→") || strings.HasPrefix(seg[i:], "–") {
			start = i + 3
			break
		}
	}
	if start > pos {
		return ""
	}
	for _, w := range strings.Fields(strings.Trim(seg[start:pos], " (\t")) {
		r := []rune(w)
		if len(r) < 2 || !unicode.IsUpper(r[0]) || !allLetters(r) || strings.ToUpper(w) == w {
			continue
		}
		if _, month := allLanguages.months[norm(w)]; month {
			continue
		}
		if _, wd := allLanguages.weekdays[norm(w)]; wd {
			continue
		}
		return w
	}
	return ""
}

func allLetters(r []rune) bool {
	for _, c := range r {
		if !unicode.IsLetter(c) && c != '-' {
			return false
		}
	}
	return true
}

func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

func hasDigit(s string) bool {
	return strings.IndexFunc(s, unicode.IsDigit) >= 0
}

func (b *bookingReader) trains() []Booking {
	var occ []occurrence
	seen := map[string]bool{}
	for _, m := range trainNumber.FindAllStringSubmatchIndex(b.text, -1) {
		brand := b.text[m[2]:m[3]]
		if strings.EqualFold(brand, "train") || strings.EqualFold(brand, "zug") {
			brand = ""
		}
		ref := strings.TrimSpace(brand + " " + b.text[m[4]:m[5]])
		if !seen[ref] {
			seen[ref] = true
			occ = append(occ, occurrence{ref: ref, display: ref, pos: m[2], end: m[5]})
		}
	}
	var out []Booking
	for i, o := range occ {
		segEnd := len(b.text)
		if i+1 < len(occ) {
			segEnd = b.legEnd(o.end, occ[i+1].pos)
		}
		bk := Booking{Kind: KindTrain, Ref: o.ref}
		// Trains are read in the user's zone: there is no station table,
		// and most trips stay within one zone (a Eurostar leaving London
		// is read an hour late).
		if start, ok := b.startIn(o.pos, segEnd, departureLabel, zonedDates{b.dates, b.loc}); ok {
			bk.Start = start
		}
		bk.Title = word(b.lang, KindTrain) + " " + o.display
		if from, to := b.stations(o.pos, segEnd); from != "" {
			bk.Location, bk.To = from, to
			bk.Title += " " + from + " → " + to
		}
		out = append(out, bk)
	}
	markConnections(out)
	return out
}

// stations reads "Paris Gare de Lyon → Lyon Part-Dieu" near a train, or the
// values of departure and arrival labels.
func (b *bookingReader) stations(from, to int) (string, string) {
	lo := strings.LastIndexByte(b.text[:from], '\n') + 1
	seg := b.text[lo:to]
	if m := routeArrow.FindStringSubmatch(seg); m != nil {
		return strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
	}
	return "", ""
}

func (b *bookingReader) hotels() []Booking {
	m := checkInLabel.FindStringIndex(b.text)
	if m == nil {
		return nil
	}
	d := firstDate(b.dates, m[1], len(b.text))
	if d == nil {
		return nil
	}
	bk := Booking{Kind: KindHotel, Start: b.withClock(*d)}
	for _, r := range bookingRef.FindAllStringSubmatch(b.text, -1) {
		if hasDigit(r[1]) {
			bk.Ref = r[1]
			break
		}
	}
	if h := hotelLabel.FindStringSubmatch(b.text); h != nil {
		bk.Location = strings.TrimSpace(h[1])
	} else if h := hotelName.FindStringSubmatch(b.text); h != nil {
		bk.Location = strings.TrimSpace(h[1] + h[2])
	}
	bk.Title = word(b.lang, KindHotel)
	if bk.Location != "" {
		bk.Title = bk.Location
		if !strings.Contains(strings.ToLower(bk.Location), "hotel") && !strings.Contains(strings.ToLower(bk.Location), "hôtel") {
			bk.Title = word(b.lang, KindHotel) + " " + bk.Location
		}
	}
	if bk.Ref != "" {
		bk.Title += " (" + bk.Ref + ")"
	}
	return []Booking{bk}
}

func (b *bookingReader) parcel(subject string) Booking {
	all := subject + "\n" + b.text
	bk := Booking{Kind: KindParcel}
	if m := upsRef.FindStringSubmatch(all); m != nil {
		bk.Ref = m[1]
	} else {
		for _, m := range trackingRef.FindAllStringSubmatch(all, -1) {
			if hasDigit(m[1]) {
				bk.Ref = m[1]
				break
			}
		}
	}
	// Out for delivery means today unless the mail names the day.
	today := civilOf(b.ref)
	bk.Start = time.Date(today.y, today.m, today.d, endOfBusinessHour, 0, 0, 0, b.loc)
	if len(b.dates) > 0 {
		bk.Start = b.dates[0].Time
	}
	bk.Presence = needsPresence(strings.ReplaceAll(strings.ToLower(all), "’", "'"))
	if from, to, ok := deliveryWindow(b.text); ok {
		y, mo, d := bk.Start.In(b.loc).Date()
		bk.Start = time.Date(y, mo, d, 0, 0, 0, 0, b.loc).Add(from)
		bk.End = time.Date(y, mo, d, 0, 0, 0, 0, b.loc).Add(to)
	}
	bk.Title = word(b.lang, KindParcel)
	if c := carriers.FindStringSubmatch(all); c != nil {
		bk.Title += " " + c[1]
	}
	if bk.Ref != "" {
		bk.Title += " " + bk.Ref
	}
	if outForDelivery(all) {
		bk.Title += " " + word(b.lang, "delivery")
	}
	return bk
}

func (b *bookingReader) invoice(subject string) (Booking, bool) {
	bk := Booking{Kind: KindInvoice}
	for _, m := range invoiceRef.FindAllStringSubmatch(subject+"\n"+b.text, -1) {
		if hasDigit(m[1]) {
			bk.Ref = m[1]
			break
		}
	}
	for i := range b.dates {
		d := b.dates[i]
		ls := strings.LastIndexByte(b.text[:d.start], '\n') + 1
		if d.Kind == KindDeadline || dueLabel.MatchString(b.text[ls:d.start]) {
			bk.Due = d.Time
			break
		}
	}
	best := -1
	for _, m := range amountRe.FindAllStringIndex(b.text, -1) {
		ls := strings.LastIndexByte(b.text[:m[0]], '\n') + 1
		le := strings.IndexByte(b.text[m[1]:], '\n')
		if le < 0 {
			le = len(b.text) - m[1]
		}
		line := b.text[ls : m[1]+le]
		score := 0
		switch {
		case totalStrong.MatchString(line):
			score = 2
		case totalWeak.MatchString(line) && !subTotal.MatchString(line):
			score = 1
		}
		if score > best {
			best, bk.Amount = score, strings.TrimSpace(b.text[m[0]:m[1]])
		}
	}
	if bk.Due.IsZero() && bk.Amount == "" {
		return Booking{}, false
	}
	bk.Title = word(b.lang, KindInvoice)
	if bk.Ref != "" {
		bk.Title += " " + bk.Ref
	}
	if bk.Amount != "" {
		bk.Title += " " + bk.Amount
	}
	return bk, true
}
