package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/config"
)

// newBackend builds the transport that cfg.Backend names.
func newBackend(ctx context.Context, cfg config.Config, logger *slog.Logger) (pubsub.Backend, error) {
	switch cfg.Backend {
	case "redis":
		return newRedisBackend(ctx, cfg, logger)
	default:
		return pubsub.NewMemory(cfg.MemoryDelivery == "sync", watermill.NewSlogLogger(logger)), nil
	}
}

func newRedisBackend(ctx context.Context, cfg config.Config, logger *slog.Logger) (pubsub.Backend, error) {
	backend, err := pubsub.NewRedis(ctx, pubsub.RedisConfig{
		URL:          cfg.Redis.URL,
		StreamPrefix: cfg.Redis.StreamPrefix,
		ClaimAfter:   cfg.Redis.ClaimAfter,
		NackDelay:    cfg.Redis.NackDelay,
		MaxLen:       cfg.Redis.MaxLen,
		Readers:      cfg.Redis.Readers,
	}, logger)
	if err != nil {
		return pubsub.Backend{}, fmt.Errorf("REDIS_URL=%s: %w", config.Redact(cfg.Redis.URL), err)
	}

	// Without a database there is no outbox: an event is published after
	// the in-memory change, and a crash between the two loses it.
	logger.Warn("no DATABASE_URL: invoices are kept in memory and events are " +
		"published after each change; a crash can lose events")

	return backend, nil
}
