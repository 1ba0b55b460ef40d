package pubsub

import (
	"context"
	"errors"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5/pgconn"
)

// wakeBackoff decides how a watermill-sql subscriber waits between
// queries. After a query that found nothing it waits for a commit
// notification, polling meanwhile with a wait that starts short and doubles
// up to the poll interval: a notified row can stay invisible for a moment
// while an older transaction is still open, and the short polls catch it.
// It does the waiting itself and returns zero, because the subscriber's own
// sleep cannot be woken.
type wakeBackoff struct {
	wake    <-chan struct{}
	closing <-chan struct{}

	minPoll, maxPoll, retry time.Duration
	next                    time.Duration
}

// HandleError implements watermill-sql's BackoffManager.
func (b *wakeBackoff) HandleError(logger watermill.LoggerAdapter, noMsg bool, err error) time.Duration {
	if err != nil {
		// Another member of the consumer group held the offset lock and
		// committed: query again at once, from the new offset.
		if isContention(err) {
			return 0
		}

		// Shutting down: the subscriber stops at its next turn.
		if errors.Is(err, context.Canceled) {
			return 0
		}

		logger.Error("Querying messages failed", err, watermill.LogFields{"wait_time": b.retry})

		return b.retry
	}

	if !noMsg {
		b.next = b.minPoll

		return 0
	}

	timer := time.NewTimer(b.next)
	defer timer.Stop()

	select {
	case <-b.wake:
		b.next = b.minPoll
	case <-timer.C:
		b.next = min(2*b.next, b.maxPoll)
	case <-b.closing:
	}

	return 0
}

// isContention reports a serialization failure or a deadlock: the
// transaction lost a race and may simply be repeated.
func isContention(err error) bool {
	var pgErr *pgconn.PgError

	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}
