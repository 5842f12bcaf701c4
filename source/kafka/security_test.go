package kafka_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/source/kafka"
)

// selfSigned makes a certificate for 127.0.0.1 that is its own CA, and
// writes the CA as PEM to a file.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kfake"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, ca
}

// TestTLSAndSCRAM: a cluster that speaks only TLS and SCRAM-SHA-512 is
// consumed with the URL's tls_ca and user:password; a wrong password
// leaves the source disconnected with the reason in its stats.
func TestTLSAndSCRAM(t *testing.T) {
	cert, ca := selfSigned(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "secure"), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "tessera", "s3cret"), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pool := x509.NewCertPool()
	pool.AddCert(must(x509.ParseCertificate(cert.Certificate[0])))
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("secure"),
		kgo.DialTLSConfig(&tls.Config{RootCAs: pool}), kgo.SASL(scram.Auth{User: "tessera", Pass: "s3cret"}.AsSha512Mechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	if err := prod.ProduceSync(context.Background(), &kgo.Record{Value: event("S-1", 1, "violin case")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	db := openDB(t, tessera.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	open := func(password string) *running {
		u, _ := url.Parse(fmt.Sprintf("kafka://tessera:%s@%s/secure?sasl=scram-sha-512&tls_ca=%s", password, c.ListenAddrs()[0], url.QueryEscape(ca)))
		opts, err := kafka.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		return start(t, stream, opts)
	}
	bad := open("wrong")
	eventually(t, "the wrong password reported", func() bool { st := bad.src.Stats(); return st.LastError != "" && !st.Connected })
	bad.Stop(t)

	good := open("s3cret")
	eventually(t, "the event applied over TLS and SCRAM", func() bool { return good.src.Stats().Applied == 1 })
	if _, ok := db.Collection.Get("S-1"); !ok {
		t.Fatal("S-1 missing")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
