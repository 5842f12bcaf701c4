package nats_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/tessera-search/tessera/ingest"
	natssource "github.com/tessera-search/tessera/source/nats"
)

// TestParseURL: every URL option lands in Options; credentials stay in
// the server address only.
func TestParseURL(t *testing.T) {
	u, err := url.Parse("nats://u:p@broker:4222/PRODUCTS?durable=idx&subject=products.>&dlq=dead.products&format=row&id_field=sku&version_field=rev&key=subject&batch=50&in_flight=2&ack_wait=1m")
	if err != nil {
		t.Fatal(err)
	}
	o, err := natssource.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	want := natssource.Options{Server: "nats://u:p@broker:4222", Stream: "PRODUCTS", Durable: "idx", Subject: "products.>",
		DeadLetter: "dead.products", IDFrom: natssource.IDFromSubject, Batch: 50, InFlight: 2, AckWait: time.Minute,
		Mapping: ingest.MessageMapping{Format: ingest.MessageRow, IDField: "sku", VersionField: "rev"}}
	if o != want {
		t.Errorf("got  %+v\nwant %+v", o, want)
	}
	src, err := natssource.New(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "nats://broker:4222/PRODUCTS?durable=idx&subject=products.>" {
		t.Errorf("name %q", src.Name())
	}
	if st := src.Stats(); st.Kind != "nats" || st.Name != src.Name() || st.Connected {
		t.Errorf("stats before Run: %+v", st)
	}
}
