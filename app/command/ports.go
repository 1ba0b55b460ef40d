package command

import (
	"context"
	"errors"

	"github.com/millrace/millrace/domain"
)

// ErrIdempotencyKeyReused means an idempotency key came back with a
// different request than the one it was first used for.
var ErrIdempotencyKeyReused = errors.New("idempotency key was used for a different request")

// IdempotencyKey makes a create safe to repeat: the same key with the same
// fingerprint (a digest of the request) yields the invoice stored first.
type IdempotencyKey struct {
	Key         string
	Fingerprint string
}

// InvoiceRepository stores invoices together with the events that their
// changes raise. An implementation makes the change and its events one
// unit: written in one transaction, or published right after the change
// where the store has no transactions.
type InvoiceRepository interface {
	// Add stores a new invoice. When key is set and was used before with
	// the same fingerprint, it stores nothing and returns the invoice
	// stored then; with another fingerprint, ErrIdempotencyKeyReused.
	Add(ctx context.Context, inv domain.Invoice, key IdempotencyKey, events ...domain.Event) (domain.Invoice, error)

	// Update loads the invoice, lets change modify it and stores the result
	// with the events that change returns. It returns
	// domain.ErrInvoiceNotFound for an unknown ID and change's own error.
	Update(ctx context.Context, id string, change func(*domain.Invoice) ([]domain.Event, error)) (domain.Invoice, error)
}
