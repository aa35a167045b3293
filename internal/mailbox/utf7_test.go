package mailbox

import "testing"

func TestDecodeModifiedUTF7(t *testing.T) {
	for in, want := range map[string]string{
		"INBOX":               "INBOX",
		"Envoy&AOk-s":         "Envoyés",
		"Entw&APw-rfe":        "Entwürfe",
		"R&-D":                "R&D",
		"&ZeVnLIqe-":          "日本語",
		"Broken&AOk":          "Broken&AOk",
		"Odd&AO-":             "Odd&AO-",
		"already ütf-8 &AOk-": "already ütf-8 &AOk-",
	} {
		if got := DecodeModifiedUTF7(in); got != want {
			t.Errorf("DecodeModifiedUTF7(%q) = %q, want %q", in, got, want)
		}
	}
}
