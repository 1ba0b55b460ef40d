package domain

import (
	"time"

	"github.com/google/uuid"
)

// The stable names of the invoice events. They name messages on the wire
// and must never follow a Go type's name.
const (
	InvoiceCreatedName = "invoice.created"
	InvoicePaidName    = "invoice.paid"
	InvoiceVoidedName  = "invoice.voided"
)

// InvoiceStream is the stream that carries every event of every invoice,
// so one ordered stream holds an invoice's life.
const InvoiceStream = "invoices"

// SchemaVersion is the version of the event payloads below.
const SchemaVersion = 1

// Event is what every domain event offers to the transports.
type Event interface {
	EventName() string
	EventID() string
	EventOccurredAt() time.Time
	EventSchemaVersion() int
	Stream() string
}

// Header is the identity every event carries.
type Header struct {
	ID            string    `json:"event_id"`
	OccurredAt    time.Time `json:"occurred_at"`
	SchemaVersion int       `json:"schema_version"`
}

func newHeader() Header {
	return Header{
		ID:            uuid.Must(uuid.NewV7()).String(),
		OccurredAt:    time.Now().UTC(),
		SchemaVersion: SchemaVersion,
	}
}

// EventID is the event's UUIDv7, its deduplication key everywhere.
func (h Header) EventID() string { return h.ID }

// EventOccurredAt is when the event was raised.
func (h Header) EventOccurredAt() time.Time { return h.OccurredAt }

// EventSchemaVersion is the version of the payload's shape.
func (h Header) EventSchemaVersion() int { return h.SchemaVersion }

// InvoiceFact is what every invoice event repeats about its invoice, so a
// consumer can apply any event without having seen the others first.
type InvoiceFact struct {
	InvoiceID   string    `json:"invoice_id"`
	AmountMinor int64     `json:"amount_minor"`
	Currency    string    `json:"currency"`
	IssuedAt    time.Time `json:"issued_at"`
}

// Stream is the stream of every invoice event.
func (InvoiceFact) Stream() string { return InvoiceStream }

// InvoiceCreated records a new open invoice.
type InvoiceCreated struct {
	Header
	InvoiceFact
	CustomerID string `json:"customer_id"`
}

// EventName is "invoice.created".
func (InvoiceCreated) EventName() string { return InvoiceCreatedName }

// InvoicePaid records that an open invoice was paid.
type InvoicePaid struct {
	Header
	InvoiceFact
}

// EventName is "invoice.paid".
func (InvoicePaid) EventName() string { return InvoicePaidName }

// InvoiceVoided records that an open invoice was cancelled.
type InvoiceVoided struct {
	Header
	InvoiceFact
}

// EventName is "invoice.voided".
func (InvoiceVoided) EventName() string { return InvoiceVoidedName }
