package main

import (
	"log/slog"
	"net/url"

	"github.com/tessera-search/tessera/ingest"
	natssource "github.com/tessera-search/tessera/source/nats"
)

// nats://host:4222/STREAM?durable=tessera&subject=products.> — a JetStream
// stream read by a durable pull consumer (source/nats).
func init() {
	sourceOpeners["nats"] = func(u *url.URL, logger *slog.Logger) (ingest.Source, error) {
		opts, err := natssource.ParseURL(u)
		if err != nil {
			return nil, err
		}
		return natssource.New(opts, logger)
	}
}
