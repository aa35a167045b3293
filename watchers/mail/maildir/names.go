package maildir

import "strings"

// infoSeparators are the ways a Maildir file name starts its info part:
// ":2," by the spec, ";2," or "!2," on file systems without colons (mbsync's
// InfoDelimiter, Windows-synced folders). "1," is the spec's experimental
// semantics; its text is not flags, but it still ends the unique part.
var infoSeparators = []string{":2,", ";2,", "!2,", ":1,", ";1,", "!1,"}

// flagNames maps Maildir flag letters to IMAP flags. Lower-case letters are
// Dovecot keywords whose meaning lives in its dovecot-keywords file; they
// are ignored.
var flagNames = map[byte]string{
	'D': `\Draft`,
	'F': `\Flagged`,
	'P': `$Forwarded`, // "passed"
	'R': `\Answered`,
	'S': `\Seen`,
	'T': `\Deleted`, // "trashed"
}

// splitName returns the unique part of a Maildir file name, which
// identifies the message for its whole life (a flag change or mbsync's
// move from new/ to cur/ only changes what follows it), and the flags of
// its info part.
func splitName(name string) (unique string, flags []string) {
	cut, info, experimental := len(name), "", false
	for _, sep := range infoSeparators {
		if i := strings.Index(name, sep); i >= 0 && i < cut {
			cut, info, experimental = i, name[i+len(sep):], sep[1] == '1'
		}
	}
	unique = name[:cut]
	if experimental {
		return unique, nil
	}
	var seen [256]bool
	for i := 0; i < len(info); i++ {
		c := info[i]
		if f, ok := flagNames[c]; ok && !seen[c] {
			seen[c] = true
			flags = append(flags, f)
		}
	}
	return unique, flags
}

// uniqueName is splitName without the flags.
func uniqueName(name string) string {
	cut := len(name)
	for _, sep := range infoSeparators {
		if i := strings.Index(name[:cut], sep); i >= 0 {
			cut = i
		}
	}
	return name[:cut]
}
