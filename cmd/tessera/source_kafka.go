package main

import (
	"log/slog"
	"net/url"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/source/kafka"
)

// kafka://[user:password@]host:port[,host:port]/topic?group=…&dlq=…
// (options: source/kafka.ParseURL).
func init() {
	sourceOpeners["kafka"] = func(u *url.URL, logger *slog.Logger) (ingest.Source, error) {
		opts, err := kafka.ParseURL(u)
		if err != nil {
			return nil, err
		}
		return kafka.New(opts, logger)
	}
}
