package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/millrace/millrace/adapters/postgres"
	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app"
	"github.com/millrace/millrace/config"
)

// newRedisServices carries events over Redis Streams. With DATABASE_URL
// the store is PostgreSQL and events reach Redis through the outbox;
// without it the store is in memory and events are published directly.
func newRedisServices(
	ctx context.Context, cfg config.Config, logger *slog.Logger,
) (*services, error) {
	pubsub.UseRedisLogger(logger)

	backend, err := pubsub.NewRedis(ctx, redisBackendConfig(cfg), logger)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL=%s: %w", config.Redact(cfg.Redis.URL), err)
	}

	var s *services
	if cfg.DatabaseURL == "" {
		s, err = redisMemoryServices(backend, logger)
	} else {
		s, err = redisOutboxServices(ctx, backend, cfg, logger)
	}

	if err != nil {
		return nil, errors.Join(err, backend.Close())
	}

	return s, nil
}

// redisMemoryServices publishes each event after its in-memory change.
func redisMemoryServices(backend pubsub.Backend, logger *slog.Logger) (*services, error) {
	// Without a database there is no outbox: a crash between the change
	// and the publish loses the event. Said once, at start.
	logger.Warn("no DATABASE_URL: invoices are kept in memory and events are " +
		"published after each change; a crash can lose events")

	return inMemoryStores(backend, logger)
}

// redisOutboxServices writes events to the outbox in the invoice's
// transaction; the relay, run by workers, publishes them on Redis.
func redisOutboxServices(
	ctx context.Context, backend pubsub.Backend, cfg config.Config, logger *slog.Logger,
) (*services, error) {
	pool, err := connectDatabase(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}

	s, err := outboxServices(ctx, pool, backend, cfg, logger)
	if err != nil {
		pool.Close()

		return nil, err
	}

	return s, nil
}

func outboxServices(
	ctx context.Context, pool *pgxpool.Pool, backend pubsub.Backend, cfg config.Config, logger *slog.Logger,
) (*services, error) {
	if err := postgres.CheckTopics(ctx, pool, pubsub.OutboxTopic); err != nil {
		return nil, err
	}

	wmLogger := watermill.NewSlogLogger(logger)
	toOutbox := func(tx pgx.Tx) (message.Publisher, error) {
		publisher, err := pubsub.NewSQLTxPublisher(tx, wmLogger)
		if err != nil {
			return nil, err
		}

		return pubsub.NewOutboxPublisher(publisher), nil
	}

	invoices, err := postgres.NewInvoices(pool, txEvents(toOutbox, logger))
	if err != nil {
		return nil, err
	}

	revenue, err := postgres.NewRevenue(pool)
	if err != nil {
		return nil, err
	}

	outbox, err := pubsub.NewSQL(pool, relaySQLConfig(cfg), logger)
	if err != nil {
		return nil, err
	}

	return &services{
		backend: pubsub.Backend{
			Name:          backend.Name,
			Publisher:     backend.Publisher,
			NewSubscriber: backend.NewSubscriber,
			Ready:         readyAll(pool.Ping, backend.Ready),
			Close:         backend.Close,
		},
		stores: app.Stores{Invoices: invoices, Revenue: revenue},
		ledger: revenue,
		relay: func() (runner, error) {
			sub, err := outbox.NewSubscriber(pubsub.RelayGroup)
			if err != nil {
				return nil, err
			}

			relay, err := pubsub.NewRelay(sub, backend.Publisher, pubsub.RelayConfig{
				RetryInterval:    cfg.HandlerRetryInterval,
				MaxRetryInterval: cfg.HandlerMaxRetryInterval,
				CloseTimeout:     cfg.ShutdownTimeout,
			}, logger)
			if err != nil {
				return nil, err
			}

			return newOutboxRelay(relay, pool, cfg.Redis.OutboxRetention, logger), nil
		},
		closers: []closer{
			{"database pool", func() error { pool.Close(); return nil }},
			{"outbox listener", outbox.Close},
			{"transport", backend.Close},
		},
	}, nil
}

// relaySQLConfig reads the outbox like the SQL backend reads its topics,
// with a short ack deadline: the relay's read transaction stays open until
// the message is on Redis, and an open transaction holds back every
// watermill-sql reader on the server (they read only rows older than the
// oldest open transaction). While Redis is down, the transaction is rolled
// back every few seconds instead of living for the whole outage.
func relaySQLConfig(cfg config.Config) pubsub.SQLConfig {
	c := sqlBackendConfig(cfg)
	c.AckDeadline = min(c.AckDeadline, relayAckDeadline)

	return c
}

// relayAckDeadline bounds one relay publish, retries included.
const relayAckDeadline = 5 * time.Second

func redisBackendConfig(cfg config.Config) pubsub.RedisConfig {
	return pubsub.RedisConfig{
		URL:          cfg.Redis.URL,
		StreamPrefix: cfg.Redis.StreamPrefix,
		ClaimAfter:   cfg.Redis.ClaimAfter,
		NackDelay:    cfg.Redis.NackDelay,
		MaxLen:       cfg.Redis.MaxLen,
		Readers:      cfg.Redis.Readers,
	}
}

// readyAll is ready when every check is.
func readyAll(checks ...func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, check := range checks {
			if err := check(ctx); err != nil {
				return err
			}
		}

		return nil
	}
}
