package pubsub

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
)

// readerErrorEvery is how often one error message of a subscription's
// readers is logged at error level; repeats in between go to debug.
const readerErrorEvery = 10 * time.Second

// readerLog adapts watermill-redisstream's logging of one subscription's
// readers: its per-reader chatter (subscribing, starting to consume) goes
// to debug; so do the errors it reports when its own context is cancelled
// at shutdown; and each error message is logged at most once per
// readerErrorEvery, since every reader retries a failed read twice a second
// while Redis is down.
type readerLog struct {
	watermill.LoggerAdapter
	limit *errorLimit
}

func newReaderLog(logger *slog.Logger) readerLog {
	return readerLog{
		LoggerAdapter: watermill.NewSlogLoggerWithLevelMapping(logger, map[slog.Level]slog.Level{
			slog.LevelInfo: slog.LevelDebug,
		}),
		limit: &errorLimit{last: map[string]time.Time{}},
	}
}

func (l readerLog) Error(msg string, err error, fields watermill.LogFields) {
	if errors.Is(err, context.Canceled) || !l.limit.allow(msg, time.Now()) {
		l.Debug(msg, fields.Add(watermill.LogFields{"error": err}))

		return
	}

	l.LoggerAdapter.Error(msg, err, fields.Add(watermill.LogFields{"repeats_logged_at_debug_for": readerErrorEvery}))
}

func (l readerLog) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return readerLog{LoggerAdapter: l.LoggerAdapter.With(fields), limit: l.limit}
}

// errorLimit remembers when each message was last let through.
type errorLimit struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (l *errorLimit) allow(msg string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()

	if now.Sub(l.last[msg]) < readerErrorEvery {
		return false
	}

	l.last[msg] = now

	return true
}
