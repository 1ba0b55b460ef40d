package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/app/query"
)

// applyDelta records (handler, event) and adds the delta only when the
// record is new: one statement, so the check and the addition cannot be
// separated.
const applyDelta = `
	WITH first AS (
		INSERT INTO processed_events (handler, event_id) VALUES ($1, $2)
		ON CONFLICT DO NOTHING
		RETURNING 1
	)
	INSERT INTO revenue AS r (currency, month, billed, collected, outstanding, invoices)
	SELECT $3, $4, $5, $6, $7, $8 FROM first
	ON CONFLICT (currency, month) DO UPDATE SET
		billed      = r.billed + excluded.billed,
		collected   = r.collected + excluded.collected,
		outstanding = r.outstanding + excluded.outstanding,
		invoices    = r.invoices + excluded.invoices`

// Revenue is the PostgreSQL revenue projection.
type Revenue struct {
	pool *pgxpool.Pool
}

// NewRevenue refuses a nil pool.
func NewRevenue(pool *pgxpool.Pool) (*Revenue, error) {
	if pool == nil {
		return nil, errors.New("nil pool")
	}

	return &Revenue{pool: pool}, nil
}

// Apply implements projection.RevenueLedger. Called by a handler of the
// watermill-sql subscriber, it writes in the subscriber's transaction, so
// the update commits with the consumer's offset or not at all.
func (r *Revenue) Apply(ctx context.Context, handler, eventID string, d projection.RevenueDelta) error {
	args := []any{handler, eventID, d.Currency, d.Month, d.Billed, d.Collected, d.Outstanding, d.Invoices}

	tx, ok, err := txFrom(ctx)
	if err != nil {
		return err
	}

	if !ok {
		if _, err := r.pool.Exec(ctx, applyDelta, args...); err != nil {
			return fmt.Errorf("apply revenue delta: %w", err)
		}

		return nil
	}

	return applyInSavepoint(ctx, tx, args)
}

// applyInSavepoint keeps a failed statement from aborting the shared
// transaction, so the message can be retried or poisoned and the other
// messages of the batch still commit. The three statements travel in one
// round trip.
func applyInSavepoint(ctx context.Context, tx pgx.Tx, args []any) error {
	batch := &pgx.Batch{}
	batch.Queue(`SAVEPOINT revenue_apply`)
	batch.Queue(applyDelta, args...)
	batch.Queue(`RELEASE SAVEPOINT revenue_apply`)

	err := tx.SendBatch(ctx, batch).Close()
	if err == nil {
		return nil
	}

	if _, rbErr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT revenue_apply`); rbErr != nil {
		err = errors.Join(err, fmt.Errorf("rollback to savepoint: %w", rbErr))
	}

	return fmt.Errorf("apply revenue delta: %w", err)
}

// RevenueRows implements query.RevenueReader.
func (r *Revenue) RevenueRows(ctx context.Context, month string) ([]query.RevenueRow, error) {
	rows, err := r.pool.Query(ctx, `
		SELECT currency, month, billed, collected, outstanding, invoices
		FROM revenue WHERE $1 = '' OR month = $1`, month)
	if err != nil {
		return nil, fmt.Errorf("read revenue: %w", err)
	}

	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (query.RevenueRow, error) {
		var r query.RevenueRow
		err := row.Scan(&r.Currency, &r.Month, &r.Billed, &r.Collected, &r.Outstanding, &r.Invoices)

		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("read revenue: %w", err)
	}

	return list, nil
}
