// Package projection holds the read models that events keep up to date.
package projection

import (
	"context"
	"errors"
	"fmt"

	"github.com/millrace/millrace/app/query"
	"github.com/millrace/millrace/domain"
)

// RevenueHandlerName names the revenue projection wherever it consumes
// events: consumer groups and deduplication records. Never rename it: a new
// name is a new consumer that starts over.
const RevenueHandlerName = "revenue-projection"

// RevenueDelta is what one event changes in one currency and issue month,
// in minor units: a revenue row to add. Deltas only add up, so they
// commute: events of different invoices may be applied in any order.
type RevenueDelta = query.RevenueRow

// RevenueLedger keeps the projection's rows.
type RevenueLedger interface {
	// Apply adds delta unless (handler, eventID) was applied before; the
	// check and the addition are one atomic step.
	Apply(ctx context.Context, handler, eventID string, delta RevenueDelta) error
}

// Revenue turns invoice events into revenue deltas.
type Revenue struct {
	ledger RevenueLedger
}

// NewRevenue refuses a nil ledger.
func NewRevenue(ledger RevenueLedger) (Revenue, error) {
	if ledger == nil {
		return Revenue{}, errors.New("nil revenue ledger")
	}

	return Revenue{ledger: ledger}, nil
}

// OnCreated adds the invoice to billed and outstanding and counts it.
func (r Revenue) OnCreated(ctx context.Context, e *domain.InvoiceCreated) error {
	return r.apply(ctx, e.Header, e.InvoiceFact, func(d *RevenueDelta, amount int64) {
		d.Billed, d.Outstanding, d.Invoices = amount, amount, 1
	})
}

// OnPaid moves the amount from outstanding to collected.
func (r Revenue) OnPaid(ctx context.Context, e *domain.InvoicePaid) error {
	return r.apply(ctx, e.Header, e.InvoiceFact, func(d *RevenueDelta, amount int64) {
		d.Collected, d.Outstanding = amount, -amount
	})
}

// OnVoided takes the invoice out of billed, outstanding and the count.
func (r Revenue) OnVoided(ctx context.Context, e *domain.InvoiceVoided) error {
	return r.apply(ctx, e.Header, e.InvoiceFact, func(d *RevenueDelta, amount int64) {
		d.Billed, d.Outstanding, d.Invoices = -amount, -amount, -1
	})
}

func (r Revenue) apply(ctx context.Context, h domain.Header, f domain.InvoiceFact, fill func(*RevenueDelta, int64)) error {
	if h.ID == "" || f.Currency == "" || f.IssuedAt.IsZero() || f.AmountMinor <= 0 {
		return fmt.Errorf("event %q lacks its ID, currency, issue date or amount: %w", h.ID, ErrIncompleteEvent)
	}

	delta := RevenueDelta{Currency: f.Currency, Month: f.IssuedAt.UTC().Format("2006-01")}
	fill(&delta, f.AmountMinor)

	if err := r.ledger.Apply(ctx, RevenueHandlerName, h.ID, delta); err != nil {
		return fmt.Errorf("apply event %s: %w", h.ID, err)
	}

	return nil
}

var (
	// ErrIncompleteEvent means an event that cannot be applied however
	// often it is retried.
	ErrIncompleteEvent = errors.New("incomplete event")
	// ErrTotalOverflow means a total would leave the range a ledger holds
	// exactly; the event cannot be applied however often it is retried.
	ErrTotalOverflow = errors.New("revenue total would overflow")
)
