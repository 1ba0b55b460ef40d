package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/memory"
	"github.com/millrace/millrace/app"
	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/app/query"
	"github.com/millrace/millrace/domain"
)

// applyingPublisher hands each event straight to the revenue projection,
// as a sync transport would.
type applyingPublisher struct {
	revenue projection.Revenue
	events  []domain.Event
}

func (p *applyingPublisher) Publish(ctx context.Context, e domain.Event) error {
	p.events = append(p.events, e)

	switch e := e.(type) {
	case domain.InvoiceCreated:
		return p.revenue.OnCreated(ctx, &e)
	case domain.InvoicePaid:
		return p.revenue.OnPaid(ctx, &e)
	case domain.InvoiceVoided:
		return p.revenue.OnVoided(ctx, &e)
	}

	return nil
}

func setup(t *testing.T) (app.Application, *applyingPublisher) {
	t.Helper()

	ledger := memory.NewRevenue()
	revenue, err := projection.NewRevenue(ledger)
	require.NoError(t, err)

	events := &applyingPublisher{revenue: revenue}
	invoices, err := memory.NewInvoices(events)
	require.NoError(t, err)

	now := func() time.Time { return time.Date(2026, 4, 30, 23, 0, 0, 0, time.UTC) }
	application, err := app.New(app.Stores{Invoices: invoices, Revenue: ledger}, now)
	require.NoError(t, err)

	return application, events
}

func TestCreateInvoiceReportsEveryProblem(t *testing.T) {
	t.Parallel()

	application, events := setup(t)

	_, err := application.Commands.CreateInvoice.Handle(context.Background(), command.CreateInvoice{
		CustomerID: "", Amount: "1.005", Currency: "EUR",
	})

	var invalid *domain.ValidationError
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, "amount", invalid.Problems[0].Field)
	require.Empty(t, events.events, "a refused command raises nothing")
}

func TestCreateInvoiceDefaultsIssuedAtToNow(t *testing.T) {
	t.Parallel()

	application, _ := setup(t)
	ctx := context.Background()

	inv, err := application.Commands.CreateInvoice.Handle(ctx, command.CreateInvoice{
		CustomerID: "acme", Amount: "300", Currency: "JPY",
	})
	require.NoError(t, err)
	require.Equal(t, "2026-04-30T23:00:00Z", inv.IssuedAt.Format(time.RFC3339))

	april, err := application.Queries.Revenue.Handle(ctx, "2026-04")
	require.NoError(t, err)
	require.Len(t, april, 1)
	require.Equal(t, "300", april[0].Billed.String())
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()

	application, events := setup(t)
	ctx := context.Background()
	cmd := command.CreateInvoice{
		CustomerID: "acme", Amount: "10.00", Currency: "EUR",
		IdempotencyKey: "k1",
	}

	first, err := application.Commands.CreateInvoice.Handle(ctx, cmd)
	require.NoError(t, err)

	again, err := application.Commands.CreateInvoice.Handle(ctx, cmd)
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.Len(t, events.events, 1, "a replay raises no second event")

	cmd.Amount = "10.0"
	same, err := application.Commands.CreateInvoice.Handle(ctx, cmd)
	require.NoError(t, err, "the same amount spelled differently is the same request")
	require.Equal(t, first, same)

	cmd.Amount = "10.01"
	_, err = application.Commands.CreateInvoice.Handle(ctx, cmd)
	require.ErrorIs(t, err, command.ErrIdempotencyKeyReused)
}

func TestTransitionsOfUnknownInvoice(t *testing.T) {
	t.Parallel()

	application, _ := setup(t)
	ctx := context.Background()

	_, err := application.Commands.PayInvoice.Handle(ctx, command.PayInvoice{InvoiceID: "nope"})
	require.ErrorIs(t, err, domain.ErrInvoiceNotFound)

	_, err = application.Commands.VoidInvoice.Handle(ctx, command.VoidInvoice{InvoiceID: "nope"})
	require.ErrorIs(t, err, domain.ErrInvoiceNotFound)

	_, err = application.Queries.Invoice.Handle(ctx, "nope")
	require.ErrorIs(t, err, domain.ErrInvoiceNotFound)
}

func TestRefusedTransitionRaisesNothing(t *testing.T) {
	t.Parallel()

	application, events := setup(t)
	ctx := context.Background()

	inv, err := application.Commands.CreateInvoice.Handle(ctx, command.CreateInvoice{
		CustomerID: "acme", Amount: "5.000", Currency: "BHD",
	})
	require.NoError(t, err)

	_, err = application.Commands.VoidInvoice.Handle(ctx, command.VoidInvoice{InvoiceID: inv.ID})
	require.NoError(t, err)

	_, err = application.Commands.PayInvoice.Handle(ctx, command.PayInvoice{InvoiceID: inv.ID})
	require.ErrorIs(t, err, domain.ErrTransitionNotAllowed)
	require.Len(t, events.events, 2)

	stored, err := application.Queries.Invoice.Handle(ctx, inv.ID)
	require.NoError(t, err)
	require.Equal(t, domain.StatusVoid, stored.Status)

	totals, err := application.Queries.Revenue.Handle(ctx, "")
	require.NoError(t, err)
	require.Equal(t, "0.000", totals[0].Billed.String())
	require.Equal(t, int64(0), totals[0].Invoices)
}

func TestRevenueRejectsMalformedMonth(t *testing.T) {
	t.Parallel()

	application, _ := setup(t)
	for _, month := range []string{"2026-13", "2026-1", "26-01", "2026-00", "january"} {
		_, err := application.Queries.Revenue.Handle(context.Background(), month)
		require.ErrorIs(t, err, query.ErrInvalidMonth, month)
	}
}
