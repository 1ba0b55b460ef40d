package query

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Bounds of an event listing.
const (
	DefaultEventsLimit = 100
	MaxEventsLimit     = 1000
)

// ErrNoEventLog means the configured store keeps no event log to list.
var ErrNoEventLog = errors.New("this backend keeps no event log; use BACKEND=sql")

// StoredEvent is one event as the event log keeps it.
type StoredEvent struct {
	Position   int64
	ID         string
	Name       string
	OccurredAt time.Time
	Payload    []byte
}

// EventLog lists stored events after a position, in position order.
type EventLog interface {
	Events(ctx context.Context, after int64, limit int) ([]StoredEvent, error)
}

// EventsHandler answers "which events were stored?".
type EventsHandler struct {
	log EventLog
}

// NewEventsHandler accepts a nil log: the handler then answers
// ErrNoEventLog, for stores that keep none.
func NewEventsHandler(log EventLog) EventsHandler {
	return EventsHandler{log: log}
}

// Handle lists at most limit events after the position after. The caller
// validates both against the bounds above.
func (h EventsHandler) Handle(ctx context.Context, after int64, limit int) ([]StoredEvent, error) {
	if h.log == nil {
		return nil, ErrNoEventLog
	}

	events, err := h.log.Events(ctx, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}

	return events, nil
}
