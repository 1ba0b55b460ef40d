package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
)

// RouterConfig tunes delivery to handlers.
type RouterConfig struct {
	// PoisonTopic receives messages whose retries are spent, with the
	// reason in their metadata.
	PoisonTopic string
	// MaxRetries is how often a failing handler is retried.
	MaxRetries int
	// RetryInterval is the first wait between retries; it doubles each time.
	RetryInterval time.Duration
	// MaxRetryInterval caps the wait between retries.
	MaxRetryInterval time.Duration
	// CloseTimeout bounds how long running handlers may finish at shutdown.
	CloseTimeout time.Duration
	// Permanent reports errors that no retry can fix; they are poisoned at
	// once. ErrUnreadable is always permanent.
	Permanent func(error) bool
}

// NewRouter builds the router with the middleware every handler gets.
func NewRouter(cfg RouterConfig, backend Backend, logger *slog.Logger) (*message.Router, error) {
	wmLogger := watermill.NewSlogLogger(logger)

	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: cfg.CloseTimeout}, wmLogger)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}

	// A handler cut off by a shutdown failed for no fault of its message:
	// it is left unacknowledged for redelivery, never poisoned.
	poison, err := middleware.PoisonQueueWithFilter(poisonLogger{backend.Publisher, logger}, cfg.PoisonTopic,
		func(err error) bool { return !errors.Is(err, context.Canceled) })
	if err != nil {
		return nil, fmt.Errorf("poison queue: %w", err)
	}

	permanent := func(err error) bool {
		return errors.Is(err, ErrUnreadable) || (cfg.Permanent != nil && cfg.Permanent(err))
	}

	// Outermost first: each middleware wraps every one added after it.
	router.AddMiddleware(
		// A handler that is running when the service stops finishes its
		// work (the router waits up to CloseTimeout for it) instead of
		// failing halfway on its message's cancelled context.
		finishOnShutdown,
		// Events a handler publishes keep the correlation ID of the one it
		// consumed.
		middleware.CorrelationID,
		// Outside the retries, so a message is poisoned only once they are
		// spent; the poison topic gets the final error as the reason.
		poison,
		// Transient failures (a lost connection, a lock timeout) get
		// another chance with exponential backoff.
		middleware.Retry{
			MaxRetries:      cfg.MaxRetries,
			InitialInterval: cfg.RetryInterval,
			MaxInterval:     cfg.MaxRetryInterval,
			Multiplier:      2,
			ShouldRetry: func(p middleware.RetryParams) bool {
				if permanent(p.Err) || errors.Is(p.Err, context.Canceled) {
					return false
				}

				logger.Warn("retrying handler", "attempt", p.RetryNum, "delay", p.Delay, "error", p.Err)

				return true
			},
		}.Middleware,
		// Inside the retries, so a panic becomes an error that is retried
		// like any other instead of killing the process.
		middleware.Recoverer,
		// A stream entry the transport could not decode fails as
		// ErrUnreadable before any handler sees it, and is poisoned.
		rejectUnreadable,
	)

	return router, nil
}

// finishOnShutdown detaches a message's context from the cancellation of
// its subscription, keeping its values (a transaction, a correlation ID).
func finishOnShutdown(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		msg.SetContext(context.WithoutCancel(msg.Context()))

		return h(msg)
	}
}

// poisonLogger logs every poisoned message, so an operator sees it even on
// a backend where nobody reads the poison topic.
type poisonLogger struct {
	message.Publisher
	logger *slog.Logger
}

func (p poisonLogger) Publish(topic string, msgs ...*message.Message) error {
	for _, msg := range msgs {
		p.logger.Error("message poisoned",
			"message_uuid", msg.UUID,
			"event_name", msg.Metadata.Get(MetadataEventName),
			"handler", msg.Metadata.Get(middleware.PoisonedHandlerKey),
			"reason", msg.Metadata.Get(middleware.ReasonForPoisonedKey),
			"poison_topic", topic)
	}

	return p.Publisher.Publish(topic, msgs...)
}
