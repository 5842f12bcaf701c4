// Package kafka consumes a Kafka topic into Tessera's index, exactly once:
// the offsets a batch moves past are written into Tessera's write-ahead log
// in the same commit as the batch's events, and the consumer resumes from
// the log's offsets, not from the group's.
package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-search/tessera/ingest"
)

// Start policies for a partition the index has never read from.
const (
	StartEarliest = "earliest"
	StartLatest   = "latest"
)

// SASL mechanisms.
const (
	SASLPlain       = "plain"
	SASLSCRAMSHA256 = "scram-sha-256"
	SASLSCRAMSHA512 = "scram-sha-512"
)

// Options configure a Kafka source. They come from a URL (ParseURL) or are
// built by the caller; the package reads nothing from the environment.
type Options struct {
	Brokers []string // host:port seeds
	Topic   string
	// Group is the consumer group (default "tessera"). Its committed
	// offsets are for monitoring: the index resumes from its own log.
	Group string
	// Instance, when set, is this process's static group membership
	// (group.instance.id): a restarted process takes its partitions back at
	// once instead of waiting for its old session to time out.
	Instance string
	// SessionTimeout is how long the group waits for a silent member before
	// moving its partitions (0: the client's default, 45s).
	SessionTimeout time.Duration
	// Start is where to begin a partition the index has no position for:
	// StartEarliest (default) or StartLatest.
	Start string
	// DeadLetterTopic receives messages that are not valid events, with
	// their reason, partition and offset in headers. Empty: such messages
	// are counted and logged only.
	DeadLetterTopic string
	Mapping         ingest.MessageMapping
	// MaxBatch caps the records handed to the apply path at once (default
	// 4,096, the stream's own batch cap).
	MaxBatch int
	// TLS, when set, encrypts connections to the brokers.
	TLS *tls.Config
	// SASL is "", SASLPlain, SASLSCRAMSHA256 or SASLSCRAMSHA512.
	SASL           string
	User, Password string
}

// withDefaults fills the zero values.
func (o Options) withDefaults() Options {
	if o.Group == "" {
		o.Group = "tessera"
	}
	if o.Start == "" {
		o.Start = StartEarliest
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 4096
	}
	return o
}

// Validate reports options that cannot work, naming the option.
func (o Options) Validate() error {
	o = o.withDefaults()
	if len(o.Brokers) == 0 {
		return errors.New("no broker address")
	}
	if o.Topic == "" || strings.Contains(o.Topic, "/") {
		return fmt.Errorf("topic %q: want kafka://host:port/topic", o.Topic)
	}
	switch o.Start {
	case StartEarliest, StartLatest:
	default:
		return fmt.Errorf("start=%s: want %s or %s", o.Start, StartEarliest, StartLatest)
	}
	if o.DeadLetterTopic == o.Topic {
		return fmt.Errorf("dlq=%s: the dead-letter topic cannot be the topic consumed", o.DeadLetterTopic)
	}
	switch o.SASL {
	case "":
	case SASLPlain, SASLSCRAMSHA256, SASLSCRAMSHA512:
		if o.User == "" {
			return fmt.Errorf("sasl=%s: the URL needs user:password@", o.SASL)
		}
	default:
		return fmt.Errorf("sasl=%s: want %s, %s or %s", o.SASL, SASLPlain, SASLSCRAMSHA256, SASLSCRAMSHA512)
	}
	if err := o.Mapping.Validate(); err != nil {
		return err
	}
	return nil
}

// ParseURL reads kafka://[user:password@]host:port/topic?options. More seed
// brokers come as repeated broker=host:port options (a comma in the host
// also works, but --source and TESSERA_SOURCES split their lists on commas).
// Options: broker, start (earliest|latest), dlq (a topic), format (event|row),
// id and version (format=row fields), batch (records per apply batch),
// tls (true|false), tls_ca (a PEM file), tls_server_name, tls_insecure
// (true: skip certificate checks, for tests only), sasl
// (plain|scram-sha-256|scram-sha-512). An unknown option is an error.
func ParseURL(u *url.URL) (Options, error) {
	var o Options
	for _, h := range strings.Split(u.Host, ",") {
		if h = strings.TrimSpace(h); h != "" {
			o.Brokers = append(o.Brokers, h)
		}
	}
	o.Topic = strings.Trim(u.Path, "/")
	if u.User != nil {
		o.User = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	var tlsOn, insecure bool
	var caFile, serverName string
	for key, vals := range u.Query() {
		v := vals[len(vals)-1]
		var err error
		switch key {
		case "broker":
			o.Brokers = append(o.Brokers, vals...)
		case "group":
			o.Group = v
		case "start":
			o.Start = v
		case "instance":
			o.Instance = v
		case "session_timeout":
			o.SessionTimeout, err = time.ParseDuration(v)
			if err == nil && o.SessionTimeout <= 0 {
				err = errors.New("want a positive duration")
			}
		case "dlq":
			o.DeadLetterTopic = v
		case "format":
			o.Mapping.Format = v
		case "id":
			o.Mapping.IDField = v
		case "version":
			o.Mapping.VersionField = v
		case "batch":
			o.MaxBatch, err = strconv.Atoi(v)
			if err == nil && o.MaxBatch < 1 {
				err = errors.New("want at least 1")
			}
		case "tls":
			tlsOn, err = strconv.ParseBool(v)
		case "tls_ca":
			caFile, tlsOn = v, true
		case "tls_server_name":
			serverName, tlsOn = v, true
		case "tls_insecure":
			insecure, err = strconv.ParseBool(v)
			tlsOn = tlsOn || insecure
		case "sasl":
			o.SASL = strings.ToLower(v)
		default:
			return o, fmt.Errorf("unknown option %q (broker, group, instance, session_timeout, start, dlq, format, id, version, batch, tls, tls_ca, tls_server_name, tls_insecure, sasl)", key)
		}
		if err != nil {
			return o, fmt.Errorf("option %s=%s: %w", key, v, err)
		}
	}
	if tlsOn {
		o.TLS = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName, InsecureSkipVerify: insecure}
		if caFile != "" {
			pem, err := os.ReadFile(caFile)
			if err != nil {
				return o, fmt.Errorf("option tls_ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return o, fmt.Errorf("option tls_ca: %s holds no PEM certificate", caFile)
			}
			o.TLS.RootCAs = pool
		}
	}
	return o, o.Validate()
}
