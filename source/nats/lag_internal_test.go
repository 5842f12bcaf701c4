package nats

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/streamtest"
)

// TestLagSecondsCountsOnlyMatchingMessages: a consumer filtered to one
// subject of a shared stream is behind by its own newest message, not by
// a newer message on another subject: one matching message pending and a
// later one elsewhere make lag_seconds 0, where the stream's last message
// made it the gap between the two.
func TestLagSecondsCountsOnlyMatchingMessages(t *testing.T) {
	srv := streamtest.NATS(t)
	ctx := context.Background()
	_, js := streamtest.JetStream(t, srv)
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "SHOP", Subjects: []string{"shop.>"}})
	if err != nil {
		t.Fatal(err)
	}
	first, err := js.Publish(ctx, "shop.products", []byte(`{"op":"upsert","id":"a","fields":{"title":"lamp"}}`))
	if err != nil {
		t.Fatal(err)
	}
	const gap = 1200 * time.Millisecond // the other subject's message is at least this much newer
	time.Sleep(gap)
	if _, err := js.Publish(ctx, "shop.orders", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "t", FilterSubject: "shop.products", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.GetMsg(ctx, first.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	meter := ingest.NewSourceMeter("nats://test/SHOP", "nats")
	l := newLagMeter(meter, "SHOP/t")
	l.pending(1, msg.Time) // delivered, not yet committed: one message behind
	l.refresh(ctx, stream, cons)
	st := meter.Stats()
	if st.LagMessages != 1 {
		t.Fatalf("lag_messages %d, want one message behind", st.LagMessages)
	}
	if st.LagSeconds >= gap.Seconds()/2 {
		t.Fatalf("lag_seconds %.3f with only the newest matching message pending, want about 0 (another subject's newer message counted)", st.LagSeconds)
	}
}
