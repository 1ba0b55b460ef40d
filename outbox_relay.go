package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/millrace/millrace/adapters/postgres"
	"github.com/millrace/millrace/adapters/pubsub"
)

// outboxRelay runs the relay and, beside it, deletes what was relayed more
// than retention ago, so the outbox does not grow for ever.
type outboxRelay struct {
	relay     *pubsub.Relay
	pool      *pgxpool.Pool
	retention time.Duration
	logger    *slog.Logger

	stop context.CancelFunc
	done chan struct{}
}

func newOutboxRelay(
	relay *pubsub.Relay, pool *pgxpool.Pool, retention time.Duration, logger *slog.Logger,
) *outboxRelay {
	return &outboxRelay{relay: relay, pool: pool, retention: retention, logger: logger}
}

// Start implements runner.
func (r *outboxRelay) Start() {
	r.relay.Start()

	ctx, stop := context.WithCancel(context.Background())
	r.stop, r.done = stop, make(chan struct{})
	go r.prune(ctx)
}

// prune deletes relayed rows every retention/2, between 100ms and a
// minute, until ctx ends.
func (r *outboxRelay) prune(ctx context.Context) {
	defer close(r.done)

	tick := time.NewTicker(min(max(r.retention/2, 100*time.Millisecond), time.Minute))
	defer tick.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}

		n, err := postgres.PruneRelayed(ctx, r.pool, pubsub.OutboxTopic, pubsub.RelayGroup, r.retention)
		switch {
		case err != nil && ctx.Err() == nil:
			r.logger.WarnContext(ctx, "prune outbox", "error", err)
		case n > 0:
			r.logger.DebugContext(ctx, "outbox pruned", "rows", n)
		}
	}
}

// Close implements runner: the pruning stops, then the relay.
func (r *outboxRelay) Close() error {
	if r.stop != nil {
		r.stop()
		<-r.done
	}

	return r.relay.Close()
}
