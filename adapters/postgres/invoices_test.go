package postgres_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/postgres"
	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/domain"
)

// recorder writes each event's ID into the transaction, as a message
// table would, and fails when told to.
type recorder struct {
	tx   pgx.Tx
	fail error
}

func (r recorder) Publish(ctx context.Context, e domain.Event) error {
	if r.fail != nil {
		return r.fail
	}

	_, err := r.tx.Exec(ctx, `INSERT INTO published (event_id) VALUES ($1)`, e.EventID())

	return err
}

func setup(t *testing.T, fail error) (*postgres.Invoices, func(string) int) {
	t.Helper()
	ctx := context.Background()

	pool := connect(t)
	require.NoError(t, postgres.Migrate(ctx, pool, quiet()))
	_, err := pool.Exec(ctx, `CREATE TABLE published (event_id text)`)
	require.NoError(t, err)

	invoices, err := postgres.NewInvoices(pool, func(tx pgx.Tx) (postgres.EventPublisher, error) {
		return recorder{tx: tx, fail: fail}, nil
	})
	require.NoError(t, err)

	count := func(sql string) int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, sql).Scan(&n))

		return n
	}

	return invoices, count
}

func newInvoice(t *testing.T) (domain.Invoice, domain.InvoiceCreated) {
	t.Helper()

	eur, err := domain.ParseCurrency("EUR")
	require.NoError(t, err)
	inv, created, err := domain.NewInvoice("inv-"+time.Now().Format("150405.000000000"), "c1",
		domain.NewMoney(12050, eur), time.Date(2026, 7, 15, 3, 47, 10, 0, time.UTC))
	require.NoError(t, err)

	return inv, created
}

func TestInvoiceAndEventsCommitTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	invoices, count := setup(t, nil)

	inv, created := newInvoice(t)
	_, err := invoices.Add(ctx, inv, command.IdempotencyKey{}, created)
	require.NoError(t, err)

	paid, err := invoices.Update(ctx, inv.ID, func(i *domain.Invoice) ([]domain.Event, error) {
		e, err := i.Pay()

		return []domain.Event{e}, err
	})
	require.NoError(t, err)
	require.Equal(t, domain.StatusPaid, paid.Status)

	got, err := invoices.Get(ctx, inv.ID)
	require.NoError(t, err)
	require.Equal(t, paid, got)
	require.Equal(t, 2, count(`SELECT count(*) FROM published`))

	_, err = invoices.Get(ctx, "unknown")
	require.ErrorIs(t, err, domain.ErrInvoiceNotFound)
}

// A publish that fails rolls the change back: neither the invoice nor any
// event remains.
func TestFailedPublishRollsBackTheChange(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	invoices, count := setup(t, boom)

	inv, created := newInvoice(t)
	_, err := invoices.Add(context.Background(), inv, command.IdempotencyKey{}, created)
	require.ErrorIs(t, err, boom)
	require.Zero(t, count(`SELECT count(*) FROM invoices`))
	require.Zero(t, count(`SELECT count(*) FROM published`))
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	invoices, count := setup(t, nil)
	key := command.IdempotencyKey{Key: "k1", Fingerprint: "f1"}

	first, created := newInvoice(t)
	stored, err := invoices.Add(ctx, first, key, created)
	require.NoError(t, err)

	second, created2 := newInvoice(t)
	again, err := invoices.Add(ctx, second, key, created2)
	require.NoError(t, err)
	require.Equal(t, stored.ID, again.ID, "the same key returns the first invoice")
	require.Equal(t, 1, count(`SELECT count(*) FROM invoices`))
	require.Equal(t, 1, count(`SELECT count(*) FROM published`))

	third, created3 := newInvoice(t)
	_, err = invoices.Add(ctx, third, command.IdempotencyKey{Key: "k1", Fingerprint: "other"}, created3)
	require.ErrorIs(t, err, command.ErrIdempotencyKeyReused)
}

// Applying one event twice changes the revenue once.
func TestRevenueApplyIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := connect(t)
	require.NoError(t, postgres.Migrate(ctx, pool, quiet()))

	revenue, err := postgres.NewRevenue(pool)
	require.NoError(t, err)

	delta := projection.RevenueDelta{Currency: "EUR", Month: "2026-07", Billed: 100, Outstanding: 100, Invoices: 1}
	for range 2 {
		require.NoError(t, revenue.Apply(ctx, "h", "e1", delta))
	}
	require.NoError(t, revenue.Apply(ctx, "h", "e2", delta))

	rows, err := revenue.RevenueRows(ctx, "2026-07")
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.EqualValues(t, 200, rows[0].Billed)
	require.EqualValues(t, 2, rows[0].Invoices)
}

// A sum past int64 is refused as an overflow, leaves the row as it was and
// the event unapplied.
func TestRevenueApplyRefusesOverflow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := connect(t)
	require.NoError(t, postgres.Migrate(ctx, pool, quiet()))

	revenue, err := postgres.NewRevenue(pool)
	require.NoError(t, err)

	big := projection.RevenueDelta{Currency: "EUR", Month: "2026-07", Billed: math.MaxInt64, Invoices: 1}
	require.NoError(t, revenue.Apply(ctx, "h", "e1", big))
	require.ErrorIs(t, revenue.Apply(ctx, "h", "e2", big), projection.ErrTotalOverflow)

	rows, err := revenue.RevenueRows(ctx, "")
	require.NoError(t, err)
	require.EqualValues(t, math.MaxInt64, rows[0].Billed)

	var applied int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM processed_events`).Scan(&applied))
	require.Equal(t, 1, applied)
}
