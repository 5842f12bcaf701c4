package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers of a dead-lettered message; its data is the original message's.
const (
	HeaderReason  = "Tessera-Reason"     // why it was rejected, naming the field
	HeaderStream  = "Tessera-Stream"     // the stream it came from
	HeaderSeq     = "Tessera-Stream-Seq" // its sequence there
	HeaderSubject = "Tessera-Subject"    // its subject
)

// deadLetterTimeout bounds one dead-letter publish: a bad message must not
// hold up the good ones behind it for long.
const deadLetterTimeout = 5 * time.Second

// deadLetter publishes a rejected message to the dead-letter subject, when
// one is configured. When a stream keeps the subject the publish is
// acknowledged by it, and Nats-Msg-Id (stream/durable/seq) lets it drop the
// copy a restart may publish again; with no stream behind the subject it is
// a plain publish for whoever subscribes. A failure is logged and shown in
// the stats; the message is counted as rejected either way.
func (r *run) deadLetter(ctx context.Context, m jetstream.Msg, seq uint64, reason string) {
	if r.opts.DeadLetter == "" {
		r.logger.Warn("nats message rejected", "reason", reason)
		return
	}
	out := natsgo.NewMsg(r.opts.DeadLetter)
	out.Data = m.Data()
	out.Header.Set(HeaderReason, reason)
	out.Header.Set(HeaderStream, r.opts.Stream)
	out.Header.Set(HeaderSeq, strconv.FormatUint(seq, 10))
	out.Header.Set(HeaderSubject, m.Subject())
	out.Header.Set(natsgo.MsgIdHdr, r.opts.Stream+"/"+r.opts.Durable+"/"+strconv.FormatUint(seq, 10))
	pctx, cancel := context.WithTimeout(ctx, deadLetterTimeout)
	defer cancel()
	_, err := r.js.PublishMsg(pctx, out)
	if errors.Is(err, natsgo.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) {
		err = r.nc.PublishMsg(out)
	}
	if err != nil {
		err = fmt.Errorf("dead-letter stream sequence %d to %s: %w", seq, r.opts.DeadLetter, err)
		r.logger.Error("nats dead letter failed", "err", err, "reason", reason)
		r.meter.SetError(err)
		return
	}
	r.meter.DeadLettered(1)
}

// checkDeadLetter refuses a dead-letter subject the source itself reads:
// every bad message would come back, be rejected again, and loop.
func checkDeadLetter(streamSubjects []string, o Options) error {
	if o.DeadLetter == "" {
		return nil
	}
	if o.Subject != "" && !subjectMatches(o.Subject, o.DeadLetter) {
		return nil
	}
	for _, s := range streamSubjects {
		if subjectMatches(s, o.DeadLetter) {
			return fmt.Errorf("dlq %s: stream %s keeps that subject and this source reads it back; pick a subject outside it", o.DeadLetter, o.Stream)
		}
	}
	return nil
}

// subjectMatches reports whether a literal subject matches a pattern with
// NATS wildcards ('*' one token, '>' one or more trailing tokens).
func subjectMatches(pattern, subject string) bool {
	p, s := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, tok := range p {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) {
			return false
		}
	}
	return len(p) == len(s)
}
