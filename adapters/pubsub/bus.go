package pubsub

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/millrace/millrace/app/correlation"
	"github.com/millrace/millrace/domain"
)

// Bus publishes domain events on their stream, one topic per stream.
type Bus struct {
	events *cqrs.EventBus
}

// NewBus publishes through publisher.
func NewBus(publisher message.Publisher, logger watermill.LoggerAdapter) (*Bus, error) {
	if publisher == nil {
		return nil, errors.New("nil publisher")
	}

	events, err := cqrs.NewEventBusWithConfig(publisher, cqrs.EventBusConfig{
		GeneratePublishTopic: func(p cqrs.GenerateEventPublishTopicParams) (string, error) {
			return p.Event.(domain.Event).Stream(), nil
		},
		OnPublish: func(p cqrs.OnEventSendParams) error {
			if id := correlation.From(p.Message.Context()); id != "" {
				middleware.SetCorrelationID(id, p.Message)
			}

			return nil
		},
		Marshaler: Marshaler{},
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("event bus: %w", err)
	}

	return &Bus{events: events}, nil
}

// Publish sends event to its stream.
func (b *Bus) Publish(ctx context.Context, event domain.Event) error {
	if err := b.events.Publish(ctx, event); err != nil {
		return fmt.Errorf("publish %s: %w", event.EventName(), err)
	}

	return nil
}
