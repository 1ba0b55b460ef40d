package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
)

// OutboxTopic is where events wait, in the store's transaction, until the
// relay has published them on the broker. Its tables come from the
// migrations.
const OutboxTopic = "outbox"

// RelayGroup is the relay's consumer group on the outbox. Every relay
// shares it: one holds the group's offset at a time, so the outbox is
// relayed in the order it was written.
const RelayGroup = "outbox-relay"

// NewOutboxPublisher wraps a transaction-bound publisher so that what is
// published through it is stored in the outbox, in an envelope naming its
// destination topic, and commits or rolls back with the transaction.
func NewOutboxPublisher(tx message.Publisher) message.Publisher {
	return forwarder.NewPublisher(tx, forwarder.PublisherConfig{ForwarderTopic: OutboxTopic})
}

// RelayConfig tunes the relay.
type RelayConfig struct {
	// RetryInterval is the first wait after a failed publish, for example
	// while the broker is down; it doubles up to MaxRetryInterval.
	RetryInterval    time.Duration
	MaxRetryInterval time.Duration
	// CloseTimeout bounds how long a publish in flight may finish at
	// shutdown.
	CloseTimeout time.Duration
}

// Relay moves messages from the outbox to the broker with Watermill's
// forwarder. A message leaves the outbox (its offset is acknowledged) only
// once the broker accepted it, so none is lost while the broker is down;
// one may be published twice after a crash, which the handlers' event-ID
// deduplication absorbs.
type Relay struct {
	forwarder *forwarder.Forwarder
	logger    *slog.Logger
}

// NewRelay relays from outbox, a subscriber of the store, to broker.
func NewRelay(
	outbox message.Subscriber, broker message.Publisher, cfg RelayConfig, logger *slog.Logger,
) (*Relay, error) {
	if outbox == nil || broker == nil {
		return nil, errors.New("relay needs an outbox subscriber and a broker publisher")
	}

	wmLogger := watermill.NewSlogLogger(logger)
	f, err := forwarder.NewForwarder(outbox, broker, wmLogger, forwarder.Config{
		ForwarderTopic: OutboxTopic,
		CloseTimeout:   cfg.CloseTimeout,
		Middlewares: []message.HandlerMiddleware{
			// A broker that is down gets a few spaced attempts before the
			// message is nacked and read again, rather than a tight loop.
			middleware.Retry{
				MaxRetries:      3,
				InitialInterval: cfg.RetryInterval,
				MaxInterval:     cfg.MaxRetryInterval,
				Multiplier:      2,
				ShouldRetry: func(p middleware.RetryParams) bool {
					logger.Warn("relay publish failed, retrying",
						"attempt", p.RetryNum, "delay", p.Delay, "error", p.Err)

					return true
				},
			}.Middleware,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("outbox relay: %w", err)
	}

	return &Relay{forwarder: f, logger: logger}, nil
}

// Start runs the relay in the background and returns once it is running.
func (r *Relay) Start() {
	go func() {
		if err := r.forwarder.Run(context.Background()); err != nil {
			r.logger.Error("outbox relay stopped", "error", err)
		}
	}()
	<-r.forwarder.Running()
}

// Close stops the relay; a message in flight is published or left in the
// outbox.
func (r *Relay) Close() error {
	if err := r.forwarder.Close(); err != nil {
		return fmt.Errorf("close outbox relay: %w", err)
	}

	return nil
}
