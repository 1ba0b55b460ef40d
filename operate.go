package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/millrace/millrace/adapters/postgres"
	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/config"
	"github.com/millrace/millrace/domain"
	"github.com/millrace/millrace/ports/events"
)

// migrate applies pending migrations and exits.
func migrate(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	if cfg.DatabaseURL == "" {
		return errors.New("migrate needs the PostgreSQL store: set DATABASE_URL")
	}

	cfg.MigrateOnStart = true

	pool, err := connectDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer pool.Close()

	logger.Info("migrations up to date")

	return nil
}

// replay rebuilds the revenue projection from the event log in one
// transaction, running the same handlers as the workers. Events that no
// retry could apply live (unreadable, incomplete) are skipped the same way,
// so the figures equal the live ones.
func replay(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	if cfg.Backend != "sql" {
		return errors.New("replay needs the event log: set BACKEND=sql and DATABASE_URL")
	}

	pool, err := connectDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer pool.Close()

	ledger, err := postgres.NewRevenue(pool)
	if err != nil {
		return err
	}

	revenue, err := projection.NewRevenue(ledger)
	if err != nil {
		return err
	}

	dispatcher, err := pubsub.NewDispatcher(events.RevenueHandlers(revenue)...)
	if err != nil {
		return err
	}

	skipped := 0
	applied, err := ledger.Rebuild(ctx, domain.InvoiceStream, projection.RevenueHandlerName,
		func(msg *message.Message) error {
			err := dispatcher.Dispatch(msg)
			if errors.Is(err, pubsub.ErrUnreadable) || permanent(err) {
				skipped++
				logger.Warn("replay skipped event", "event_id", msg.UUID, "error", err)

				return nil
			}

			return err
		})
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}

	logger.Info("revenue projection rebuilt", "events", applied, "skipped", skipped)

	return nil
}
