package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"orderflow/kafka"
)

// TestSecureKafka runs the pipeline through a broker started with
// KAFKA_SECURE=1 (broker/secure.sh): SASL_SSL with a SCRAM-SHA-512 user per
// service, and ACLs that let each service touch only its own topics, tables
// and groups. It then checks that a wrong password, a broker certificate the
// client does not trust, and a client certificate the broker does not trust
// are all refused, and that one service may not write another's topic.
func TestSecureKafka(t *testing.T) {
	dir := os.Getenv("ORDERFLOW_TEST_SECURE_DIR")
	if dir == "" {
		t.Skip("ORDERFLOW_TEST_SECURE_DIR is not set; `make test-secure` runs this test on a secured broker")
	}
	passwords := readUsers(t, filepath.Join(dir, "users.env"))
	ca := filepath.Join(dir, "ca.pem")
	svcEnv := func(service string) []string {
		user := service
		switch service {
		case "topics", "gateway":
			user = "admin"
		}
		return []string{"KAFKA_SASL_USER=" + user, "KAFKA_SASL_PASSWORD=" + passwords[user]}
	}
	ns := startNATS(t)
	c := newClusterWith(t, ns.ClientURL(), svcEnv, "KAFKA_TLS=true", "KAFKA_TLS_CA="+ca, "KAFKA_SASL_MECHANISM=SCRAM-SHA-512")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	t.Run("every order placed through the secured broker ends terminal, charged and notified once", func(t *testing.T) {
		run := fmt.Sprintf("sec%d", time.Now().UnixNano())
		got := watchNotifications(t, ctx, ns.ClientURL(), run)
		clients := make([]*client, 10)
		for i := range clients {
			clients[i] = newClient(t, c.apiBase, fmt.Sprintf("%s-c%d", run, i))
		}
		before := c.stats(ctx)
		stop := make(chan struct{})
		close(stop) // place 200 orders at 40/s, then stop
		l := runLoad(ctx, clients, 40, 200, stop)
		out := verify(t, ctx, l.accepted, got)
		after := c.stats(ctx)
		t.Logf("secure: %d accepted (answers:%s), outcomes %v, %d charges for %d charged orders",
			len(l.accepted), l.summary(), out.statuses, after.Charges-before.Charges, out.charged)
		require.Equal(t, out.charged, after.Charges-before.Charges, "exactly one charge per charged order")
	})

	brokers := strings.Split(kafkaBrokers(t), ",")
	caPool := x509.NewCertPool()
	pem, err := os.ReadFile(ca)
	require.NoError(t, err)
	require.True(t, caPool.AppendCertsFromPEM(pem))
	connect := func(user, password string, tc *tls.Config) error {
		cfg := kafka.Config{Brokers: brokers, TLS: tc, SASL: kafka.SASL{Mechanism: sarama.SASLTypeSCRAMSHA512, User: user, Password: password}}
		sc, err := cfg.Sarama("integration-secure")
		require.NoError(t, err)
		sc.Metadata.Retry.Max = 0
		client, err := sarama.NewClient(brokers, sc)
		if err == nil {
			_ = client.Close()
		}
		return err
	}
	trusted := func() *tls.Config { return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: caPool} }

	t.Run("the right password and CA connect", func(t *testing.T) {
		require.NoError(t, connect("payment", passwords["payment"], trusted()))
	})

	t.Run("a wrong password is refused", func(t *testing.T) {
		err := connect("payment", "not-"+passwords["payment"], trusted())
		require.Error(t, err)
		t.Logf("secure: wrong password: %v", err)
	})

	t.Run("a broker certificate from a CA the client does not trust is refused by the client", func(t *testing.T) {
		other, _ := selfSigned(t, "someone-elses-ca")
		pool := x509.NewCertPool()
		pool.AddCert(other)
		err := connect("payment", passwords["payment"], &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool})
		require.Error(t, err)
		t.Logf("secure: untrusted broker certificate: %v", err)
	})

	t.Run("a client certificate the broker does not trust is refused by the broker", func(t *testing.T) {
		cert, key := selfSigned(t, "payment")
		tc := trusted()
		// Shown whatever the broker asks for: Go would keep back a
		// certificate that none of the broker's CAs issued.
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}, nil
		}
		err := connect("payment", passwords["payment"], tc)
		require.Error(t, err)
		t.Logf("secure: untrusted client certificate: %v", err)
	})

	t.Run("a service may not write another service's topic", func(t *testing.T) {
		cfg := kafka.Config{Brokers: brokers, TLS: trusted(), SASL: kafka.SASL{Mechanism: sarama.SASLTypeSCRAMSHA512, User: "shipping", Password: passwords["shipping"]}}
		sc, err := cfg.Sarama("integration-secure")
		require.NoError(t, err)
		sc.Producer.Retry.Max = 1 // the least an idempotent producer takes
		p, err := sarama.NewSyncProducer(brokers, sc)
		require.NoError(t, err)
		defer func() { _ = p.Close() }()
		_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: "new_orders", Key: sarama.StringEncoder("x"), Value: sarama.StringEncoder("{}")})
		require.ErrorIs(t, err, sarama.ErrTopicAuthorizationFailed)
		t.Logf("secure: shipping writing new_orders: %v", err)
	})
}

// readUsers reads the NAME_PASSWORD lines secure.sh wrote.
func readUsers(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	users := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, password, ok := strings.Cut(sc.Text(), "_PASSWORD=")
		if ok {
			users[strings.ToLower(name)] = password
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, users["admin"], "no admin password in %s", path)
	return users
}

// selfSigned makes a certificate no CA of the broker's has signed.
func selfSigned(t *testing.T, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert, key
}
