package pubsub

import (
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
)

// Dispatcher hands a message to the handler of its event name, as the
// processor does for a subscribed group, without a subscription: a replay
// runs a group's handlers over stored messages with it.
type Dispatcher struct {
	handlers map[string]Handler
}

// NewDispatcher refuses two handlers of one event name, which a replay
// could not order.
func NewDispatcher(handlers ...Handler) (*Dispatcher, error) {
	d := &Dispatcher{handlers: map[string]Handler{}}

	for _, h := range handlers {
		name := Marshaler{}.Name(h.NewEvent())
		if _, ok := d.handlers[name]; ok {
			return nil, fmt.Errorf("two handlers of %s", name)
		}

		d.handlers[name] = h
	}

	if len(d.handlers) == 0 {
		return nil, errors.New("no handlers")
	}

	return d, nil
}

// Dispatch decodes msg and runs its handler with the message's context. A
// name no handler knows, or a payload that does not decode, is
// ErrUnreadable.
func (d *Dispatcher) Dispatch(msg *message.Message) error {
	if reason := msg.Metadata.Get(MetadataUnreadable); reason != "" {
		return fmt.Errorf("%s: %w", reason, ErrUnreadable)
	}

	name := Marshaler{}.NameFromMessage(msg)

	h, ok := d.handlers[name]
	if !ok {
		return fmt.Errorf("no handler of event %q (%s): %w", name, msg.UUID, ErrUnreadable)
	}

	event := h.NewEvent()
	if err := (Marshaler{}).Unmarshal(msg, event); err != nil {
		return err
	}

	return h.Handle(msg.Context(), event)
}
