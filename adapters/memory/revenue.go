package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/app/query"
)

// Revenue is the in-memory revenue projection. The record of applied
// events and the totals change under one lock, so a redelivered event
// changes nothing.
type Revenue struct {
	mu      sync.RWMutex
	rows    map[revenueKey]query.RevenueRow
	applied map[appliedKey]struct{}
}

type revenueKey struct{ currency, month string }

type appliedKey struct{ handler, eventID string }

// NewRevenue returns an empty projection.
func NewRevenue() *Revenue {
	return &Revenue{
		rows:    map[revenueKey]query.RevenueRow{},
		applied: map[appliedKey]struct{}{},
	}
}

// Apply implements projection.RevenueLedger.
func (r *Revenue) Apply(_ context.Context, handler, eventID string, d projection.RevenueDelta) error {
	r.mu.Lock()
	defer r.mu.Unlock()

	done := appliedKey{handler: handler, eventID: eventID}
	if _, ok := r.applied[done]; ok {
		return nil
	}

	k := revenueKey{currency: d.Currency, month: d.Month}
	row, ok := r.rows[k]
	if !ok {
		row = query.RevenueRow{Currency: d.Currency, Month: d.Month}
	}

	sum, err := row.Add(d)
	if err != nil {
		return fmt.Errorf("%s %s: %w: %w", d.Currency, d.Month, projection.ErrTotalOverflow, err)
	}

	r.rows[k] = sum
	r.applied[done] = struct{}{}

	return nil
}

// RevenueRows implements query.RevenueReader.
func (r *Revenue) RevenueRows(_ context.Context, month string) ([]query.RevenueRow, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()

	rows := make([]query.RevenueRow, 0, len(r.rows))
	for k, row := range r.rows {
		if month == "" || k.month == month {
			rows = append(rows, row)
		}
	}

	return rows, nil
}
