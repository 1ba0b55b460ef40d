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
// dispatches on the event name. A group skips the events of its stream
// that only other groups handle; a name that no group knows is
// ErrUnreadable, so it is poisoned at once instead of retried.
type Processor struct {
	events *cqrs.EventGroupProcessor
	// known holds every event name some group handles, per group name.
	known map[string]map[string]bool
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
		AckOnUnknownEvent: true,
		Marshaler:         Marshaler{},
		Logger:            watermill.NewSlogLogger(logger),
	})
	if err != nil {
		return nil, fmt.Errorf("event processor: %w", err)
	}

	p := &Processor{events: events, known: map[string]map[string]bool{}}
	router.AddMiddleware(p.rejectUnknown)

	return p, nil
}

// rejectUnknown fails, as ErrUnreadable, a message of one of p's groups
// whose event name no group of p handles.
func (p *Processor) rejectUnknown(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		if _, ours := p.known[message.HandlerNameFromCtx(msg.Context())]; !ours {
			return h(msg)
		}

		name := Marshaler{}.NameFromMessage(msg)
		for _, names := range p.known {
			if names[name] {
				return h(msg)
			}
		}

		return nil, fmt.Errorf("no handler of event %q (%s): %w", name, msg.UUID, ErrUnreadable)
	}
}

// AddGroup subscribes handlers, all of one stream, as the consumer group
// name. The name is stable: renaming it starts a new consumer from scratch.
func (p *Processor) AddGroup(name string, handlers ...Handler) error {
	if err := p.events.AddHandlersGroup(name, handlers...); err != nil {
		return fmt.Errorf("handler group %s: %w", name, err)
	}

	names := map[string]bool{}
	for _, h := range handlers {
		names[Marshaler{}.Name(h.NewEvent())] = true
	}

	p.known[name] = names

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
