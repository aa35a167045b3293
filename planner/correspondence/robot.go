package correspondence

import "regexp"

// robotText finds what machines write at the foot of their mail and people
// do not: "this is an automated message, please do not reply", "merci de
// ne pas répondre", "bitte antworten Sie nicht auf diese E-Mail". A mail
// that says it is not to be answered owes no reply, whatever it asks.
var robotText = regexp.MustCompile(`(?i)(((please )?do not|don't|please don't) reply (directly )?to this (e-?mail|message|notification|address)|(this|the) (e-?mail|message|notification) (was|has been|is) (sent |generated )?automatically|this is an automated (message|e-?mail|notification|reply)|this (e-?mail|mailbox|address) is not monitored|(replies|responses) to this (e-?mail|message) (are|will) not (be )?(monitored|read|answered)|merci de ne pas (y )?répondre|ne (pas )?répond(ez|re) pas à ce (message|mail|courriel|e-?mail)|veuillez ne pas répondre|(ce|cet) (message|mail|courriel|e-?mail) (a été|est) (envoyé|généré) automatiquement|antworten sie (bitte )?nicht auf diese|bitte nicht auf diese (e-?mail|nachricht) antworten|diese (e-?mail|nachricht|mail) wurde automatisch (erstellt|generiert|versendet|verschickt|erzeugt)|automatisch (generierte|erstellte) (e-?mail|nachricht))`)
