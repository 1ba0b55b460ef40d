package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/domain"
)

// EventPublisher publishes the events of a change.
type EventPublisher interface {
	Publish(ctx context.Context, event domain.Event) error
}

// TxEvents returns the publisher of one transaction: whatever it publishes
// is written through tx, so it commits or rolls back with the change. The
// SQL backend writes to Watermill's message table; a broker backend writes
// to an outbox that a forwarder relays.
type TxEvents func(tx pgx.Tx) (EventPublisher, error)

// Invoices is the PostgreSQL invoice repository.
type Invoices struct {
	pool   *pgxpool.Pool
	events TxEvents
}

// NewInvoices refuses a nil pool or publisher factory.
func NewInvoices(pool *pgxpool.Pool, events TxEvents) (*Invoices, error) {
	if pool == nil || events == nil {
		return nil, errors.New("nil pool or event publisher factory")
	}

	return &Invoices{pool: pool, events: events}, nil
}

// Add implements command.InvoiceRepository. The invoice goes in before the
// key, so a concurrent request with the same key blocks on the key's index
// until this transaction ends and then finds the key taken.
func (r *Invoices) Add(
	ctx context.Context, inv domain.Invoice, key command.IdempotencyKey, events ...domain.Event,
) (domain.Invoice, error) {
	var taken bool

	err := inTx(ctx, r.pool, func(tx pgx.Tx) error {
		if err := insertInvoice(ctx, tx, inv); err != nil {
			return err
		}

		if key.Key != "" {
			claimed, err := claimKey(ctx, tx, key, inv.ID)
			if err != nil {
				return err
			}

			if !claimed {
				taken = true

				return errKeyTaken
			}
		}

		return r.publish(ctx, tx, events)
	})

	if taken {
		return r.replay(ctx, key)
	}

	if err != nil {
		return domain.Invoice{}, err
	}

	return inv, nil
}

// errKeyTaken rolls back an Add whose idempotency key was used before.
var errKeyTaken = errors.New("idempotency key taken")

func (r *Invoices) replay(ctx context.Context, key command.IdempotencyKey) (domain.Invoice, error) {
	var fingerprint, invoiceID string

	err := r.pool.QueryRow(ctx,
		`SELECT fingerprint, invoice_id FROM idempotency_keys WHERE key = $1`, key.Key,
	).Scan(&fingerprint, &invoiceID)
	if err != nil {
		return domain.Invoice{}, fmt.Errorf("read idempotency key: %w", err)
	}

	if fingerprint != key.Fingerprint {
		return domain.Invoice{}, command.ErrIdempotencyKeyReused
	}

	return r.Get(ctx, invoiceID)
}

// Get implements query.InvoiceReader.
func (r *Invoices) Get(ctx context.Context, id string) (domain.Invoice, error) {
	return selectInvoice(ctx, r.pool, id, "")
}

// Update implements command.InvoiceRepository. The row is locked for the
// change, so concurrent changes of one invoice happen one after the other.
func (r *Invoices) Update(
	ctx context.Context, id string, change func(*domain.Invoice) ([]domain.Event, error),
) (domain.Invoice, error) {
	var inv domain.Invoice

	err := inTx(ctx, r.pool, func(tx pgx.Tx) error {
		var err error
		if inv, err = selectInvoice(ctx, tx, id, "FOR UPDATE"); err != nil {
			return err
		}

		events, err := change(&inv)
		if err != nil {
			return err
		}

		_, err = tx.Exec(ctx, `UPDATE invoices SET status = $2, updated_at = now() WHERE id = $1`,
			inv.ID, string(inv.Status))
		if err != nil {
			return fmt.Errorf("update invoice %s: %w", id, err)
		}

		return r.publish(ctx, tx, events)
	})
	if err != nil {
		return domain.Invoice{}, err
	}

	return inv, nil
}

func (r *Invoices) publish(ctx context.Context, tx pgx.Tx, events []domain.Event) error {
	if len(events) == 0 {
		return nil
	}

	publisher, err := r.events(tx)
	if err != nil {
		return fmt.Errorf("event publisher: %w", err)
	}

	for _, e := range events {
		if err := publisher.Publish(ctx, e); err != nil {
			return fmt.Errorf("publish %s %s: %w", e.EventName(), e.EventID(), err)
		}
	}

	return nil
}
