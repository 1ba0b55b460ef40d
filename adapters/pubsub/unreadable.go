package pubsub

import (
	"encoding/json"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	"github.com/ThreeDotsLabs/watermill/message"
)

// MetadataUnreadable carries why a transport could not decode an entry
// into a message. Such a message holds the raw entry as its payload and
// goes to the poison topic with that reason.
const MetadataUnreadable = "unreadable"

// tolerantUnmarshaller decodes stream entries like the library's default,
// but turns an entry it cannot decode into a message marked unreadable.
// The library stops a consumer for good on an unmarshal error, so one
// malformed entry would otherwise halt its consumer group.
type tolerantUnmarshaller struct {
	redisstream.DefaultMarshallerUnmarshaller
}

func (u tolerantUnmarshaller) Unmarshal(values map[string]any) (*message.Message, error) {
	msg, err := u.DefaultMarshallerUnmarshaller.Unmarshal(values)
	if err == nil {
		return msg, nil
	}

	raw, jsonErr := json.Marshal(values)
	if jsonErr != nil {
		raw = []byte(fmt.Sprint(values))
	}

	msg = message.NewMessage(watermill.NewUUID(), raw)
	msg.Metadata.Set(MetadataUnreadable, err.Error())

	return msg, nil
}

// rejectUnreadable fails a message the transport marked unreadable with
// ErrUnreadable, so it is poisoned without retries.
func rejectUnreadable(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		if reason := msg.Metadata.Get(MetadataUnreadable); reason != "" {
			return nil, fmt.Errorf("%s: %w", reason, ErrUnreadable)
		}

		return h(msg)
	}
}
