package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/domain"
)

// EventPublisher sends an event on after the change that raised it.
type EventPublisher interface {
	Publish(ctx context.Context, event domain.Event) error
}

// Invoices is an in-memory invoice repository. It publishes a change's
// events after the change is made, outside its lock: a crash between the
// two loses the events, which is the memory backend's documented trade.
type Invoices struct {
	events EventPublisher

	mu       sync.RWMutex
	invoices map[string]domain.Invoice
	keys     map[string]idempotencyRecord
}

type idempotencyRecord struct {
	fingerprint string
	invoiceID   string
}

// NewInvoices refuses a nil publisher.
func NewInvoices(events EventPublisher) (*Invoices, error) {
	if events == nil {
		return nil, errors.New("nil event publisher")
	}

	return &Invoices{
		events:   events,
		invoices: map[string]domain.Invoice{},
		keys:     map[string]idempotencyRecord{},
	}, nil
}

// Add implements command.InvoiceRepository.
func (r *Invoices) Add(ctx context.Context, inv domain.Invoice, key command.IdempotencyKey, events ...domain.Event) (domain.Invoice, error) {
	r.mu.Lock()
	if key.Key != "" {
		if rec, ok := r.keys[key.Key]; ok {
			r.mu.Unlock()

			return r.replay(rec, key)
		}

		r.keys[key.Key] = idempotencyRecord{fingerprint: key.Fingerprint, invoiceID: inv.ID}
	}

	r.invoices[inv.ID] = inv
	r.mu.Unlock()

	return inv, r.publish(ctx, events)
}

func (r *Invoices) replay(rec idempotencyRecord, key command.IdempotencyKey) (domain.Invoice, error) {
	if rec.fingerprint != key.Fingerprint {
		return domain.Invoice{}, command.ErrIdempotencyKeyReused
	}

	r.mu.RLock()
	defer r.mu.RUnlock()

	return r.invoices[rec.invoiceID], nil
}

// Get implements query.InvoiceReader.
func (r *Invoices) Get(_ context.Context, id string) (domain.Invoice, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()

	inv, ok := r.invoices[id]
	if !ok {
		return domain.Invoice{}, fmt.Errorf("%s: %w", id, domain.ErrInvoiceNotFound)
	}

	return inv, nil
}

// Update implements command.InvoiceRepository.
func (r *Invoices) Update(ctx context.Context, id string, change func(*domain.Invoice) ([]domain.Event, error)) (domain.Invoice, error) {
	r.mu.Lock()
	inv, ok := r.invoices[id]
	if !ok {
		r.mu.Unlock()

		return domain.Invoice{}, fmt.Errorf("%s: %w", id, domain.ErrInvoiceNotFound)
	}

	events, err := change(&inv)
	if err != nil {
		r.mu.Unlock()

		return domain.Invoice{}, err
	}

	r.invoices[id] = inv
	r.mu.Unlock()

	return inv, r.publish(ctx, events)
}

func (r *Invoices) publish(ctx context.Context, events []domain.Event) error {
	for _, e := range events {
		if err := r.events.Publish(ctx, e); err != nil {
			return fmt.Errorf("publish %s %s: %w", e.EventName(), e.EventID(), err)
		}
	}

	return nil
}
