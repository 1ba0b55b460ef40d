package pubsub

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/millrace/millrace/domain"
)

// Metadata keys every event message carries.
const (
	MetadataEventName     = "name"
	MetadataEventID       = "event_id"
	MetadataOccurredAt    = "occurred_at"
	MetadataSchemaVersion = "schema_version"
	MetadataCorrelationID = middleware.CorrelationIDMetadataKey
)

// ErrUnreadable marks a message that no retry can make readable: its
// payload does not decode or its name is unknown. It goes straight to the
// poison topic.
var ErrUnreadable = errors.New("unreadable message")

// Marshaler is the cqrs marshaler of domain events: JSON payloads, the
// event's stable name in the metadata and its ID as the message UUID, so the
// UUID is the deduplication key from publisher to handler.
type Marshaler struct{}

// Marshal implements cqrs.CommandEventMarshaler.
func (Marshaler) Marshal(v any) (*message.Message, error) {
	event, ok := v.(domain.Event)
	if !ok {
		return nil, fmt.Errorf("%T is not a domain event", v)
	}

	payload, err := json.Marshal(event)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", event.EventName(), err)
	}

	msg := message.NewMessage(event.EventID(), payload)
	msg.Metadata.Set(MetadataEventName, event.EventName())
	msg.Metadata.Set(MetadataEventID, event.EventID())
	msg.Metadata.Set(MetadataOccurredAt, event.EventOccurredAt().UTC().Format(time.RFC3339Nano))
	msg.Metadata.Set(MetadataSchemaVersion, strconv.Itoa(event.EventSchemaVersion()))

	return msg, nil
}

// Unmarshal implements cqrs.CommandEventMarshaler. A payload that does not
// decode is ErrUnreadable.
func (Marshaler) Unmarshal(msg *message.Message, v any) error {
	if err := json.Unmarshal(msg.Payload, v); err != nil {
		return fmt.Errorf("decode %s %s: %w: %w", msg.Metadata.Get(MetadataEventName), msg.UUID, ErrUnreadable, err)
	}

	return nil
}

// Name implements cqrs.CommandEventMarshaler: the event's stable name.
func (Marshaler) Name(v any) string {
	if event, ok := v.(domain.Event); ok {
		return event.EventName()
	}

	return fmt.Sprintf("%T", v)
}

// NameFromMessage implements cqrs.CommandEventMarshaler.
func (Marshaler) NameFromMessage(msg *message.Message) string {
	return msg.Metadata.Get(MetadataEventName)
}
