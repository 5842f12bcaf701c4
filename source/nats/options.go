package nats

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-search/tessera/ingest"
)

// Options configure a JetStream source. ParseURL fills them from a
// --source URL; embedders may build them directly.
type Options struct {
	// Server is the NATS URL to connect to (nats://host:4222), credentials
	// included when the server wants them.
	Server string
	// Stream is the JetStream stream to read.
	Stream string
	// Durable names the pull consumer. It belongs to this Tessera data
	// directory alone: the source recreates it from the index's own
	// position when the broker's state is ahead of the index.
	Durable string
	// Subject filters the stream (products.>); empty reads every subject.
	Subject string
	// Mapping turns message data into events.
	Mapping ingest.MessageMapping
	// IDFrom says where an event without an id finds one: IDFromHeader
	// (the Tessera-Id header, the default) or IDFromSubject (the subject's
	// last token).
	IDFrom string
	// DeadLetter is the subject bad messages are published to, with their
	// reason and stream sequence in headers; empty only counts them.
	DeadLetter string
	// Batch caps the messages fetched (and enqueued) together; 0 means 500.
	Batch int
	// InFlight caps the batches enqueued but not yet committed; 0 means 4.
	InFlight int
	// AckWait is how long the broker waits for an ack before redelivering;
	// 0 means 30s.
	AckWait time.Duration
	// IdleWait is how long one fetch waits when the stream has nothing
	// new; it is also how often lag is refreshed while idle. 0 means 1s.
	IdleWait time.Duration
}

// Where an event without an id takes it from.
const (
	IDFromHeader  = "header"  // the Tessera-Id message header
	IDFromSubject = "subject" // the last token of the message subject
)

// HeaderID carries a message's id when the event itself has none.
const HeaderID = "Tessera-Id"

// withDefaults fills unset options.
func (o Options) withDefaults() Options {
	if o.Durable == "" {
		o.Durable = "tessera"
	}
	if o.IDFrom == "" {
		o.IDFrom = IDFromHeader
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.InFlight <= 0 {
		o.InFlight = 4
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.IdleWait <= 0 {
		o.IdleWait = time.Second
	}
	return o
}

// Validate reports options that cannot work, naming the option.
func (o Options) Validate() error {
	if o.Server == "" {
		return fmt.Errorf("no server")
	}
	if o.Stream == "" || strings.ContainsAny(o.Stream, ".*> /") {
		return fmt.Errorf("stream %q: want a JetStream stream name (nats://host:4222/STREAM)", o.Stream)
	}
	if strings.ContainsAny(o.Durable, ".*> /") {
		return fmt.Errorf("durable %q: a consumer name has no '.', '*', '>', '/' or spaces", o.Durable)
	}
	if strings.ContainsAny(o.DeadLetter, "*> ") {
		return fmt.Errorf("dlq %q: want a plain subject (no wildcards)", o.DeadLetter)
	}
	switch o.IDFrom {
	case "", IDFromHeader, IDFromSubject:
	default:
		return fmt.Errorf("key %q: want %q or %q", o.IDFrom, IDFromHeader, IDFromSubject)
	}
	if err := o.Mapping.Validate(); err != nil {
		return err
	}
	return nil
}

// ParseURL reads a --source URL:
//
//	nats://[user:pass@]host:4222/STREAM?durable=tessera&subject=products.>&dlq=products.dead
//	  &format=event|row&id_field=id&version_field=version&key=header|subject
//	  &batch=500&in_flight=4&ack_wait=30s
func ParseURL(u *url.URL) (Options, error) {
	if u.Scheme != "nats" {
		return Options{}, fmt.Errorf("scheme %q: want nats://", u.Scheme)
	}
	server := url.URL{Scheme: "nats", Host: u.Host, User: u.User}
	o := Options{Server: server.String(), Stream: strings.Trim(u.Path, "/")}
	q := u.Query()
	for k := range q {
		switch k {
		case "durable", "subject", "dlq", "format", "id_field", "version_field", "key", "batch", "in_flight", "ack_wait":
		default:
			return Options{}, fmt.Errorf("unknown option %q (durable, subject, dlq, format, id_field, version_field, key, batch, in_flight, ack_wait)", k)
		}
	}
	o.Durable = q.Get("durable")
	o.Subject = q.Get("subject")
	o.DeadLetter = q.Get("dlq")
	o.IDFrom = q.Get("key")
	o.Mapping = ingest.MessageMapping{Format: q.Get("format"), IDField: q.Get("id_field"), VersionField: q.Get("version_field")}
	var err error
	if o.Batch, err = positiveInt(q, "batch"); err != nil {
		return Options{}, err
	}
	if o.InFlight, err = positiveInt(q, "in_flight"); err != nil {
		return Options{}, err
	}
	if s := q.Get("ack_wait"); s != "" {
		if o.AckWait, err = time.ParseDuration(s); err != nil || o.AckWait < time.Second {
			return Options{}, fmt.Errorf("ack_wait %q: want a duration of at least 1s (30s)", s)
		}
	}
	if o.Stream == "" {
		return Options{}, fmt.Errorf("no stream: want nats://host:4222/STREAM")
	}
	return o, o.Validate()
}

func positiveInt(q url.Values, key string) (int, error) {
	s := q.Get(key)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s %q: want a positive integer", key, s)
	}
	return n, nil
}
