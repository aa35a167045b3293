package config

import (
	"net"
	"strings"
)

// busAuth reads bus.nkey_seed_file and bus.tls and checks they fit the
// rest of bus: a listening embedded server always takes a token from the
// data dir, and one reachable beyond loopback also needs a certificate.
func (d *decoder) busAuth(f fields, listenV val, b *Bus) {
	credV, seedV, tokV := f.get("credentials_file"), f.get("nkey_seed_file"), f.get("token_file")
	b.NKeySeedFile = d.path(seedV)
	b.TokenFile = d.path(tokV)
	tlsV := f.get("tls")
	tf, _ := d.fields(tlsV, "bus.tls", "cert_file", "key_file", "ca_file")
	certV, keyV, caV := tf.get("cert_file"), tf.get("key_file"), tf.get("ca_file")
	b.TLS = BusTLS{CertFile: d.path(certV), KeyFile: d.path(keyV), CAFile: d.path(caV)}

	switch {
	case b.TLS.CertFile != "" && b.TLS.KeyFile == "":
		d.errorf(keyV, "required with bus.tls.cert_file: the certificate's private key (a PEM file)")
	case b.TLS.KeyFile != "" && b.TLS.CertFile == "":
		d.errorf(certV, "required with bus.tls.key_file: the certificate (a PEM file)")
	}
	if b.URL == "" {
		for _, v := range []val{credV, seedV, tokV} {
			if d.str(v) != "" {
				d.errorf(v, "applies only to an external server (bus.url); the embedded server makes its own token in the data dir")
			}
		}
		if b.TLS.CAFile != "" {
			d.errorf(caV, "applies only to an external server (bus.url): the authority that signed its certificate")
		}
		if b.Listen == "" && (b.TLS.CertFile != "" || b.TLS.KeyFile != "") {
			d.errorf(tlsV, "applies only when the bus listens (bus.listen) or is external (bus.url)")
		}
	} else {
		var set []string
		for _, kv := range []struct {
			key string
			v   val
		}{{"credentials_file", credV}, {"nkey_seed_file", seedV}, {"token_file", tokV}} {
			if d.str(kv.v) == "" {
				continue
			}
			if len(set) > 0 {
				d.errorf(kv.v, "bus.%s is set too: use one of credentials_file, nkey_seed_file and token_file", set[0])
			}
			set = append(set, kv.key)
		}
	}
	if b.Listen != "" && b.TLS.CertFile == "" && !loopbackListen(b.Listen) {
		d.errorf(listenV, "%q is reachable from other machines, so the bus needs TLS: set bus.tls.cert_file and bus.tls.key_file (PEM files), or listen on loopback (e.g. 127.0.0.1:4222)", b.Listen)
	}
}

func loopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
