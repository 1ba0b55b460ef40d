package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/millrace/millrace/adapters/postgres"
	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app"
	"github.com/millrace/millrace/config"
	"github.com/millrace/millrace/domain"
)

// newSQLServices keeps everything in PostgreSQL: the store, and the events
// in Watermill's message tables, written in the transaction of the change.
func newSQLServices(ctx context.Context, cfg config.Config, logger *slog.Logger) (*services, error) {
	pool, err := connectDatabase(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}

	s, err := sqlServices(pool, cfg, logger)
	if err != nil {
		pool.Close()

		return nil, err
	}

	return s, nil
}

func sqlServices(pool *pgxpool.Pool, cfg config.Config, logger *slog.Logger) (*services, error) {
	backend, err := pubsub.NewSQL(pool, sqlBackendConfig(cfg), logger)
	if err != nil {
		return nil, err
	}

	// The seam of the transactional outbox: whatever publisher this
	// returns writes through the invoice's transaction.
	invoices, err := postgres.NewInvoices(pool, txEvents(func(tx pgx.Tx) (message.Publisher, error) {
		return pubsub.NewSQLTxPublisher(tx, watermill.NewSlogLogger(logger))
	}, logger))
	if err != nil {
		return nil, err
	}

	revenue, err := postgres.NewRevenue(pool)
	if err != nil {
		return nil, err
	}

	events, err := postgres.NewEventLog(pool, domain.InvoiceStream)
	if err != nil {
		return nil, err
	}

	return &services{
		backend: backend,
		stores:  app.Stores{Invoices: invoices, Revenue: revenue, Events: events},
		ledger:  revenue,
		closers: []closer{
			{"database pool", func() error { pool.Close(); return nil }},
			{"transport", backend.Close},
		},
	}, nil
}

// txEvents turns a factory of transaction-bound publishers into the
// store's: each transaction gets an event bus on its own publisher.
func txEvents(newPublisher func(pgx.Tx) (message.Publisher, error), logger *slog.Logger) postgres.TxEvents {
	return func(tx pgx.Tx) (postgres.EventPublisher, error) {
		publisher, err := newPublisher(tx)
		if err != nil {
			return nil, err
		}

		return pubsub.NewBus(publisher, watermill.NewSlogLogger(logger))
	}
}

// connectDatabase opens the pool, migrates unless MIGRATE_ON_START=false
// and checks that every topic has its table.
func connectDatabase(ctx context.Context, cfg config.Config, logger *slog.Logger) (*pgxpool.Pool, error) {
	pool, err := postgres.Connect(ctx, cfg.DatabaseURL, postgres.PoolConfig{
		MaxConns:       cfg.DatabaseMaxConns,
		ConnectTimeout: cfg.DatabaseConnectTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL=%s: %w", config.Redact(cfg.DatabaseURL), err)
	}

	if cfg.MigrateOnStart {
		if err := postgres.Migrate(ctx, pool, logger); err != nil {
			pool.Close()

			return nil, err
		}
	}

	if err := postgres.CheckTopics(ctx, pool, domain.InvoiceStream, cfg.PoisonTopic); err != nil {
		pool.Close()

		return nil, err
	}

	return pool, nil
}

func sqlBackendConfig(cfg config.Config) pubsub.SQLConfig {
	return pubsub.SQLConfig{
		BatchSize:       cfg.SQLBatchSize,
		MinPollInterval: cfg.SQLMinPollInterval,
		PollInterval:    cfg.SQLPollInterval,
		RetryInterval:   cfg.SQLPollInterval,
		AckDeadline:     cfg.SQLAckDeadline,
	}
}
