package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/millrace/millrace/adapters/memory"
	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app"
	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/config"
)

// services is what every long-running role is built from: the stores,
// the projection's ledger and the transport, chosen by BACKEND.
type services struct {
	backend pubsub.Backend
	stores  app.Stores
	ledger  projection.RevenueLedger
	// relay builds the outbox relay, nil when events go to the transport
	// directly. Worker roles run it.
	relay func() (runner, error)
	// closers run in reverse order at shutdown, after the router stopped.
	closers []closer
}

// runner is a background task of worker roles, such as the outbox relay.
type runner interface {
	// Start returns once the task runs.
	Start()
	// Close stops it and waits until it stopped.
	Close() error
}

type closer struct {
	what string
	fn   func() error
}

func newServices(ctx context.Context, cfg config.Config, logger *slog.Logger) (*services, error) {
	switch cfg.Backend {
	case "sql":
		return newSQLServices(ctx, cfg, logger)
	case "redis":
		return newRedisServices(ctx, cfg, logger)
	}

	return newMemoryServices(cfg, logger)
}

func newMemoryServices(cfg config.Config, logger *slog.Logger) (*services, error) {
	return inMemoryStores(pubsub.NewMemory(cfg.MemoryDelivery == "sync", watermill.NewSlogLogger(logger)), logger)
}

// inMemoryStores keeps invoices and revenue in memory and publishes each
// change's events on backend right after the change.
func inMemoryStores(backend pubsub.Backend, logger *slog.Logger) (*services, error) {
	bus, err := pubsub.NewBus(backend.Publisher, watermill.NewSlogLogger(logger))
	if err != nil {
		return nil, err
	}

	invoices, err := memory.NewInvoices(bus)
	if err != nil {
		return nil, err
	}

	revenue := memory.NewRevenue()

	return &services{
		backend: backend,
		stores:  app.Stores{Invoices: invoices, Revenue: revenue},
		ledger:  revenue,
		closers: []closer{{"transport", backend.Close}},
	}, nil
}

func (s *services) application() (app.Application, error) {
	application, err := app.New(s.stores, time.Now)
	if err != nil {
		return app.Application{}, fmt.Errorf("application: %w", err)
	}

	return application, nil
}

// close releases everything in the reverse order of its creation.
func (s *services) close(logger *slog.Logger) {
	for i := len(s.closers) - 1; i >= 0; i-- {
		closeLogged(logger, s.closers[i].what, s.closers[i].fn)
	}
}
