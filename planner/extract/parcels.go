package extract

import (
	"strings"
	"time"

	"github.com/agentd/agentd/internal/lazyre"
)

var (
	// parcelWord says a mail is about a delivery (lower case).
	parcelWord = lazyre.New(`parcel|package|delivery|deliver|shipment|courier|colis|livraison|livré|paquet|paket|sendung|zustellung|zugestellt|lieferung|päckchen`)
	// presence says a delivery needs someone there (lower case, '
	// apostrophe).
	presence = lazyre.New(`signature (?:is |will be )?(?:required|needed)|requires? (?:a |an |your )?(?:adult )?signature|must be signed|to sign for|signed for|adult signature|someone (?:must|needs to|will need to|has to|should) be (?:at )?(?:home|present|available|there)|must be (?:at )?home|(?:photo )?id (?:check|required)|proof of (?:age|identity)|cash on delivery|signature (?:requise|obligatoire|exigée|nécessaire)|contre signature|en main propre|présence (?:obligatoire|requise|nécessaire)|(?:quelqu'un|une personne|vous) (?:doit|devez|devra|devrez|devrait) être présente?|pièce d'identité|contre[- ]remboursement|unterschrift (?:erforderlich|notwendig|nötig)|gegen unterschrift|persönliche übergabe|persönlich (?:übergeben|zugestellt)|eigenhändig|ident[- ]?check|identitätsprüfung|(?:jemand|sie) (?:muss|müssen|sollte|sollten) (?:zu hause |zuhause |daheim )?anwesend|nachnahme|altersprüfung|altersnachweis|someone (?:is |will be |to be )?(?:at )?home|be (?:at )?home (?:to|for|between|on)|someone (?:is|be) (?:present|available|there)|quelqu'un (?:soit|sera|doit être|est|puisse être) (?:présent|là|à la maison|à domicile|chez vous)|(?:avec|sur) signature|jemand (?:zu ?hause|daheim|anwesend)|zu ?hause (?:sind|sein|ist)|mit (?:ihrer )?unterschrift|unterschrift bestätig|unterschreiben`)
	// noPresence takes back what presence finds: "no signature required",
	// "sans signature", "keine Unterschrift erforderlich".
	noPresence = lazyre.New(`(?:\bno|without|not|don't need|keine?|ohne|nicht|sans|pas de|aucune) (?:\S+ ){0,2}(?:signature|unterschrift|to be (?:at )?home|zu hause|présente?)`)
	// windowRe is a delivery window: "between 10:00 and 14:00", "entre 8h
	// et 13h", "zwischen 9 und 12 Uhr", "from 1pm to 5pm", "10:00–14:00".
	windowRe = lazyre.New(`(?i)(?:between|entre|zwischen|from|de|von)\s+(\d{1,2})(?:[:h.](\d{2}))?\s*(am|pm|h|uhr)?\s*(?:and|et|und|to|à|a|bis|-|–)\s*(\d{1,2})(?:[:h.](\d{2}))?\s*(am|pm)?|(?:^|[^\d:])(\d{1,2})[:h](\d{2})\s*(?:-|–|to|à|bis)\s*(\d{1,2})[:h](\d{2})`)
)

// needsPresence reports whether a delivery mail (lower case, '
// apostrophe) says someone must be there.
func needsPresence(lower string) bool {
	return presence.MatchString(noPresence.ReplaceAllString(lower, " "))
}

// deliveryWindow is the first delivery window in text, as times of day.
func deliveryWindow(text string) (from, to time.Duration, ok bool) {
	for _, m := range windowRe.FindAllStringSubmatch(text, -1) {
		var h1, m1, h2, m2 int
		if m[1] != "" {
			h1, m1, h2, m2 = atoi(m[1]), atoi(m[2]), atoi(m[4]), atoi(m[5])
			pm1, pm2 := strings.EqualFold(m[3], "pm"), strings.EqualFold(m[6], "pm")
			if pm2 && h2 < 12 {
				h2 += 12
				if !strings.EqualFold(m[3], "am") && h1 < 12 && h1+12 < h2 {
					pm1 = true
				}
			}
			if pm1 && h1 < 12 {
				h1 += 12
			}
		} else {
			h1, m1, h2, m2 = atoi(m[7]), atoi(m[8]), atoi(m[9]), atoi(m[10])
		}
		if h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 {
			continue
		}
		from = time.Duration(h1)*time.Hour + time.Duration(m1)*time.Minute
		to = time.Duration(h2)*time.Hour + time.Duration(m2)*time.Minute
		if to > from && to-from <= 14*time.Hour {
			return from, to, true
		}
	}
	return 0, 0, false
}
