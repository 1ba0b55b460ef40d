package pubsub_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/postgres"
	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/internal/pgtest"
)

// TestSQLPubSub runs Watermill's universal Pub/Sub suite against the SQL
// backend as the service configures it. The one difference: the suite
// invents topics, so their tables are created on first use instead of by
// the migrations.
func TestSQLPubSub(t *testing.T) {
	pool := migratedPool(t)

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	cfg := pubsub.SQLConfig{InitializeSchema: true}

	// One backend for the whole suite, as one process has one: its
	// subscribers share the listening connection. Each publisher is its
	// own, because the suite closes them.
	backend, err := pubsub.NewSQL(pool, cfg, logger)
	require.NoError(t, err)
	t.Cleanup(func() { _ = backend.Close() })

	pubSub := func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
		pub, err := pubsub.NewSQLPublisher(pool, cfg, logger)
		require.NoError(t, err)

		sub, err := backend.NewSubscriber(group)
		require.NoError(t, err)

		return pub, sub
	}

	features := tests.Features{
		ConsumerGroups:      true,
		ExactlyOnceDelivery: true,
		GuaranteedOrder:     true,
		Persistent:          true,
	}

	tests.TestPubSub(t, features,
		func(t *testing.T) (message.Publisher, message.Subscriber) { return pubSub(t, "test") },
		pubSub,
	)
}

// migratedPool is a pool on a fresh, migrated database: the migrations
// bring the notify function the topics' triggers call. The pool is large
// because the suite subscribes fifty members of one group before reading:
// each holds a connection in its batch transaction.
func migratedPool(t *testing.T) *pgxpool.Pool {
	ctx := context.Background()

	pool, err := postgres.Connect(ctx, pgtest.NewDatabase(t), postgres.PoolConfig{MaxConns: 150, ConnectTimeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	require.NoError(t, postgres.Migrate(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil))))

	return pool
}
