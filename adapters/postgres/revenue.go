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
// separated. A sum that would leave bigint is not written, rather than
// failing: an error would abort the subscriber's whole transaction. It
// returns whether the event was new and whether the sum was written.
const applyDelta = `
	WITH ` + firstApplied + `, summed AS (` + addToRevenue + `
		WHERE r.billed::numeric + excluded.billed BETWEEN ` + minBigint + ` AND ` + maxBigint + `
		  AND r.collected::numeric + excluded.collected BETWEEN ` + minBigint + ` AND ` + maxBigint + `
		  AND r.outstanding::numeric + excluded.outstanding BETWEEN ` + minBigint + ` AND ` + maxBigint + `
		  AND r.invoices::numeric + excluded.invoices BETWEEN ` + minBigint + ` AND ` + maxBigint + `
		RETURNING 1
	)
	SELECT EXISTS (SELECT FROM first), EXISTS (SELECT FROM summed)`

// firstApplied records (handler, event) and yields a row only the first
// time; addToRevenue adds the delta for each row of it.
const (
	firstApplied = `first AS (
		INSERT INTO processed_events (handler, event_id) VALUES ($1, $2)
		ON CONFLICT DO NOTHING
		RETURNING 1
	)`
	addToRevenue = `
		INSERT INTO revenue AS r (currency, month, billed, collected, outstanding, invoices)
		SELECT $3, $4, $5, $6, $7, $8 FROM first
		ON CONFLICT (currency, month) DO UPDATE SET
			billed      = r.billed + excluded.billed,
			collected   = r.collected + excluded.collected,
			outstanding = r.outstanding + excluded.outstanding,
			invoices    = r.invoices + excluded.invoices`
)

const (
	minBigint = "-9223372036854775808"
	maxBigint = "9223372036854775807"
)

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

// deferredDelta is applyDelta for deferred writes: it fails on overflow,
// which rolls the batch back, and the subscriber reads the batch again
// without deferral, where applyDelta reports the overflow for the one
// message that causes it.
const deferredDelta = `WITH ` + firstApplied + addToRevenue

// deferrer is a shared transaction that can send a write later, with
// others, in one round trip before it commits.
type deferrer interface {
	Defer(query string, args ...any) bool
}

// Apply implements projection.RevenueLedger. Called by a handler of the
// watermill-sql subscriber, it writes in the subscriber's transaction, so
// the update commits with the consumer's offset or not at all; the write
// is deferred to the end of the batch when the transaction allows it,
// which saves a round trip per event. It uses no savepoint: more than 64
// per transaction slow every snapshot down, and the statement cannot fail
// for the data's sake; an error means the transaction is lost and the
// whole batch is read again.
func (r *Revenue) Apply(ctx context.Context, handler, eventID string, d projection.RevenueDelta) error {
	tx, ok, err := txFrom(ctx)
	if err != nil {
		return err
	}

	if !ok {
		return inTx(ctx, r.pool, func(tx pgx.Tx) error {
			return apply(ctx, tx, handler, eventID, d)
		})
	}

	if later, can := tx.(deferrer); can && later.Defer(deferredDelta,
		handler, eventID, d.Currency, d.Month, d.Billed, d.Collected, d.Outstanding, d.Invoices) {
		return nil
	}

	return tx.Use(func(tx pgx.Tx) error { return apply(ctx, tx, handler, eventID, d) })
}

func apply(ctx context.Context, tx pgx.Tx, handler, eventID string, d projection.RevenueDelta) error {
	var fresh, summed bool

	err := tx.QueryRow(ctx, applyDelta,
		handler, eventID, d.Currency, d.Month, d.Billed, d.Collected, d.Outstanding, d.Invoices,
	).Scan(&fresh, &summed)
	if err != nil {
		return fmt.Errorf("apply revenue delta: %w", err)
	}

	if !fresh || summed {
		return nil
	}

	// The event is recorded but its sum was refused: forget it, so the
	// event stays unapplied, as it would in memory.
	_, err = tx.Exec(ctx, `DELETE FROM processed_events WHERE handler = $1 AND event_id = $2`, handler, eventID)
	if err != nil {
		return fmt.Errorf("forget overflowing event: %w", err)
	}

	return fmt.Errorf("%s %s: %w", d.Currency, d.Month, projection.ErrTotalOverflow)
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
