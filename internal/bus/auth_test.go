package bus

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// testCerts writes a CA and a server certificate for 127.0.0.1 and
// localhost into dir and returns the files' paths.
func testCerts(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "agentd test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
}

// probe connects a raw NATS client over TCP and tries to publish and to
// read the stream list, as a stranger on the network would.
func probe(url string, opts ...nats.Option) error {
	nc, err := nats.Connect(url, append(opts, nats.Timeout(5*time.Second), nats.NoReconnect())...)
	if err != nil {
		return err
	}
	defer nc.Close()
	if err := nc.Publish("agentd.suggestions.x", []byte("run curl … | sh")); err != nil {
		return err
	}
	_, err = nc.Request("$JS.API.STREAM.NAMES", nil, 5*time.Second)
	return err
}

func TestListenRequiresToken(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	dir := t.TempDir()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	b, err := Open(ctx, Config{DataDir: dir, Listen: addr}, testLogger(t))
	if err != nil {
		t.Fatalf("Open with Listen %s: %v", addr, err)
	}
	url := "nats://" + addr

	if err := probe(url); !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("client without a token: err = %v, want an authorization error", err)
	}
	if err := probe(url, nats.Token(strings.Repeat("0", 64))); !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("client with a wrong token: err = %v, want an authorization error", err)
	}
	fi, err := os.Stat(TokenPath(dir))
	if err != nil {
		t.Fatalf("no token file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", fi.Mode().Perm())
	}
	token, err := LoadToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := probe(url, nats.Token(token)); err != nil {
		t.Errorf("client with the token: %v", err)
	}
	if err := b.PublishEvent(ctx, testEvent(t, "own")); err != nil {
		t.Errorf("agentd's own client: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	// The token stays across restarts, so configured clients keep working.
	b, err = Open(ctx, Config{DataDir: dir, Listen: addr}, testLogger(t))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer b.Close()
	if again, _ := LoadToken(dir); again != token {
		t.Errorf("token changed across a restart")
	}
	if err := probe(url, nats.Token(token)); err != nil {
		t.Errorf("client with the token after a restart: %v", err)
	}

	// Another agentd joins with bus.url and bus.token_file.
	if _, err := Open(ctx, Config{URL: url}, testLogger(t)); err == nil {
		t.Error("another agentd without the token joined the bus")
	}
	other, err := Open(ctx, Config{URL: url, TokenFile: TokenPath(dir)}, testLogger(t))
	if err != nil {
		t.Fatalf("another agentd with token_file: %v", err)
	}
	defer other.Close()
	if err := other.PublishEvent(ctx, testEvent(t, "other")); err != nil {
		t.Errorf("another agentd publishing: %v", err)
	}
}

func TestListenBeyondLoopbackNeedsTLS(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	_, err := Open(ctx, Config{DataDir: t.TempDir(), Listen: "0.0.0.0:" + strconv.Itoa(freePort(t))}, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "bus.tls.cert_file") {
		t.Fatalf("Open on 0.0.0.0 without TLS: err = %v, want a refusal naming bus.tls.cert_file", err)
	}

	dir := t.TempDir()
	caFile, certFile, keyFile := testCerts(t, t.TempDir())
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	b, err := Open(ctx, Config{DataDir: dir, Listen: addr, TLS: TLSConfig{CertFile: certFile, KeyFile: keyFile}}, testLogger(t))
	if err != nil {
		t.Fatalf("Open with TLS: %v", err)
	}
	defer b.Close()
	if got, want := b.ClientURL(), "tls://"+addr; got != want {
		t.Errorf("ClientURL() = %q, want %q", got, want)
	}
	if err := b.PublishEvent(ctx, testEvent(t, "own")); err != nil {
		t.Errorf("agentd's own client with TLS on: %v", err)
	}
	token, err := LoadToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := probe("nats://"+addr, nats.Token(token)); err == nil {
		t.Error("a client without TLS got in")
	}
	if err := probe("tls://"+addr, nats.RootCAs(caFile)); !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("TLS client without a token: err = %v, want an authorization error", err)
	}
	if err := probe("tls://"+addr, nats.RootCAs(caFile), nats.Token(token)); err != nil {
		t.Errorf("TLS client with the token: %v", err)
	}
}

// TestExternalTLSAndNKey runs a real nats-server on TCP that wants TLS and
// an NKey user, and connects agentd to it with bus.tls.ca_file and
// bus.nkey_seed_file.
func TestExternalTLSAndNKey(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	certDir := t.TempDir()
	caFile, certFile, keyFile := testCerts(t, certDir)
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	seedFile := filepath.Join(certDir, "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(), NoSigs: true,
		TLSConfig: tc, TLS: true, Nkeys: []*server.NkeyUser{{Nkey: pub}},
	})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	url := "tls://" + srv.Addr().String()

	if err := probe(url, nats.RootCAs(caFile)); !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("client without the NKey: err = %v, want an authorization error", err)
	}
	if _, err := Open(ctx, Config{URL: url, NKeySeedFile: seedFile}, testLogger(t)); err == nil {
		t.Error("Open without the CA succeeded against a server whose certificate it cannot verify")
	}
	b, err := Open(ctx, Config{URL: url, TLS: TLSConfig{CAFile: caFile}, NKeySeedFile: seedFile}, testLogger(t))
	if err != nil {
		t.Fatalf("Open with tls.ca_file and nkey_seed_file: %v", err)
	}
	defer b.Close()
	if err := b.PublishEvent(ctx, testEvent(t, "tls")); err != nil {
		t.Errorf("PublishEvent over TLS with an NKey: %v", err)
	}
}

func TestLoadToken(t *testing.T) {
	dir := t.TempDir()
	tok, err := LoadToken(dir)
	if err != nil || len(tok) != 64 {
		t.Fatalf("LoadToken = %q, %v; want 64 hex digits", tok, err)
	}
	if err := os.Chmod(TokenPath(dir), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := LoadToken(dir)
	if err != nil || again != tok {
		t.Fatalf("second LoadToken = %q, %v; want the first token", again, err)
	}
	if fi, _ := os.Stat(TokenPath(dir)); fi.Mode().Perm() != 0o600 {
		t.Errorf("a token file readable by others was left %v, want 0600", fi.Mode().Perm())
	}
	if err := os.WriteFile(TokenPath(dir), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadToken(dir); err == nil || !strings.Contains(err.Error(), "is not a token") {
		t.Errorf("a damaged token file: err = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("data dir holds %d files, want only %s", len(entries), TokenName)
	}
}

// TestRefusedClientsLoggedSparingly: every refused connection was an
// error line; a peer that keeps trying now costs one line a minute.
func TestRefusedClientsLoggedSparingly(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	logs := &logBuffer{}
	b, err := Open(ctx, Config{DataDir: t.TempDir(), Listen: addr}, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for range 10 {
		if err := probe("nats://"+addr, nats.Token(strings.Repeat("x", 64))); !errors.Is(err, nats.ErrAuthorization) {
			t.Fatalf("err = %v, want an authorization error", err)
		}
	}
	if n := logs.count("bus refused a client without the token"); n != 1 {
		t.Errorf("logged %d refusals for 10 tries in a row, want 1:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("refused clients logged as errors:\n%s", logs)
	}
}
