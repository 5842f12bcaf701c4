package kafka

import (
	"context"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// saslMechanism is the configured SASL mechanism, or nil for none.
func (s *Source) saslMechanism() (sasl.Mechanism, error) {
	user, pass := s.opts.User, s.opts.Password
	switch s.opts.SASL {
	case "":
		return nil, nil
	case SASLPlain:
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case SASLSCRAMSHA256:
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	case SASLSCRAMSHA512:
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	}
	return nil, s.opts.Validate() // unreachable: New validated
}

// clientLogger hands the Kafka client's warnings and errors to slog; its
// info and debug lines (every fetch, every heartbeat) stay out.
type clientLogger struct{ l *slog.Logger }

func (c clientLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (c clientLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lv := slog.LevelWarn
	if level == kgo.LogLevelError {
		lv = slog.LevelError
	}
	c.l.Log(context.Background(), lv, "kafka client: "+msg, keyvals...)
}
