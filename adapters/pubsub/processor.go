package pubsub

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/millrace/millrace/domain"
)

// Handler is one event handler of a group; see cqrs.NewGroupEventHandler.
type Handler = cqrs.GroupEventHandler

// Processor subscribes groups of event handlers to their stream. Each group
// is one consumer group, named after the group, that reads one stream and
// dispatches on the event name.
type Processor struct {
	events *cqrs.EventGroupProcessor
}

// NewProcessor adds its groups to router, subscribing through backend.
func NewProcessor(router *message.Router, backend Backend, logger *slog.Logger) (*Processor, error) {
	events, err := cqrs.NewEventGroupProcessorWithConfig(router, cqrs.EventGroupProcessorConfig{
		GenerateSubscribeTopic: func(p cqrs.EventGroupProcessorGenerateSubscribeTopicParams) (string, error) {
			return groupStream(p.EventGroupHandlers)
		},
		SubscriberConstructor: func(p cqrs.EventGroupProcessorSubscriberConstructorParams) (message.Subscriber, error) {
			return backend.NewSubscriber(p.EventGroupName)
		},
		Marshaler: Marshaler{},
		Logger:    watermill.NewSlogLogger(logger),
	})
	if err != nil {
		return nil, fmt.Errorf("event processor: %w", err)
	}

	return &Processor{events: events}, nil
}

// AddGroup subscribes handlers, all of one stream, as the consumer group
// name. The name is stable: renaming it starts a new consumer from scratch.
func (p *Processor) AddGroup(name string, handlers ...Handler) error {
	if err := p.events.AddHandlersGroup(name, handlers...); err != nil {
		return fmt.Errorf("handler group %s: %w", name, err)
	}

	return nil
}

func groupStream(handlers []cqrs.GroupEventHandler) (string, error) {
	stream := ""
	for _, h := range handlers {
		event, ok := h.NewEvent().(domain.Event)
		if !ok {
			return "", fmt.Errorf("%T is not a domain event", h.NewEvent())
		}

		if stream != "" && event.Stream() != stream {
			return "", errors.New("a handler group must read one stream")
		}

		stream = event.Stream()
	}

	return stream, nil
}
