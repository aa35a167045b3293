// Package extract finds the facts a careful assistant reads out of a mail's
// text: dates and deadlines, bookings (flights, trains, hotels, parcels,
// invoices) and whether the sender asks the reader something. English, French
// and German are covered.
//
// Everything here is a pure function over text: no I/O, no clock (the mail's
// Date is passed in as ref), no package-level mutable state. Mail text is
// untrusted, so every function caps the text it reads (maxText) and uses only
// RE2 regular expressions, which run in linear time.
//
// Why an own parser rather than github.com/markusmobius/go-dateparser: the
// enricher needs predictable results in three languages more than breadth in
// two hundred. go-dateparser resolves "bis Freitag, 12 Uhr" to the wrong year
// and "morgen 12 Uhr" to the wrong hour, turns the German article "die" into a
// date, and adds about 8 MB to the binary. The tables here are small, each
// phrase shape is one regular expression with a test case, and a wrong answer
// can be traced to one line.
//
// Resolution rules (see Deadlines):
//   - a bare date means 18:00 that day (end of business day), AllDay set;
//     "EOD"/"end of day"/"fin de journée"/"Feierabend" 18:00, "COB"/"close of
//     business" 17:00, "noon"/"midi"/"mittags" 12:00; explicit times win;
//   - a date without a year is its next occurrence on or after ref's day;
//   - a weekday name is the next such day strictly after ref; only
//     "today"/"aujourd'hui"/"heute" mean ref's day; "Friday next week" is the
//     Friday of the following calendar week; "lundi en huit" adds a week;
//   - numeric dates are day first (D/M/Y, D.M.Y) in every language; in English
//     M/D is used only when D/M is impossible (12/25 is 25 December); numeric
//     dates without a year need a preceding word ("by 12/05", "am 14.12") or
//     the German trailing dot ("14.12.");
//   - a time without a date ("by 5pm", "EOD") is on ref's day, or the next day
//     when that instant has already passed at ref;
//   - past references ("last Friday", "vendredi dernier", "letzten Freitag")
//     are dropped: they are not deadlines;
//   - local times that do not exist (the spring-forward hour) are moved
//     forward by the gap, as time.Date does.
//
// Bookings resolve the same way in the user's zone, except a flight's
// departure, which is read in its departure airport's zone (airports.go maps
// IATA codes to IANA zones): confirmations print airport local times.
package extract
