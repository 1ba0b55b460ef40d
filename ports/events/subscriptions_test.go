package events_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/memory"
	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/app/query"
	"github.com/millrace/millrace/domain"
	"github.com/millrace/millrace/ports/events"
)

// setup subscribes the revenue projection over a sync memory backend and
// returns the bus and the revenue query.
func setup(t *testing.T) (*pubsub.Bus, query.RevenueHandler) {
	t.Helper()

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	backend := pubsub.NewMemory(true, nil)
	t.Cleanup(func() { _ = backend.Close() })

	router, err := pubsub.NewRouter(pubsub.RouterConfig{
		PoisonTopic: "poison", MaxRetries: 1, RetryInterval: time.Millisecond,
		MaxRetryInterval: time.Millisecond, CloseTimeout: time.Second,
	}, backend, logger)
	require.NoError(t, err)

	processor, err := pubsub.NewProcessor(router, backend, logger)
	require.NoError(t, err)

	ledger := memory.NewRevenue()
	revenue, err := projection.NewRevenue(ledger)
	require.NoError(t, err)
	require.NoError(t, events.Subscribe(processor, revenue))

	go func() { _ = router.Run(context.Background()) }()
	<-router.Running()
	t.Cleanup(func() { _ = router.Close() })

	bus, err := pubsub.NewBus(backend.Publisher, nil)
	require.NoError(t, err)

	totals, err := query.NewRevenueHandler(ledger)
	require.NoError(t, err)

	return bus, totals
}

func TestSameEventDeliveredTwiceChangesNothing(t *testing.T) {
	t.Parallel()

	bus, revenue := setup(t)
	ctx := context.Background()

	eur, err := domain.ParseCurrency("EUR")
	require.NoError(t, err)
	amount, err := domain.ParseMoney("120.50", eur)
	require.NoError(t, err)

	inv, created, err := domain.NewInvoice("inv-1", "acme", amount, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	paid, err := inv.Pay()
	require.NoError(t, err)

	for _, e := range []domain.Event{created, created, paid, paid} {
		require.NoError(t, bus.Publish(ctx, e))
	}

	totals, err := revenue.Handle(ctx, "")
	require.NoError(t, err)
	require.Len(t, totals, 1)
	require.Equal(t, "120.50", totals[0].Billed.String())
	require.Equal(t, "120.50", totals[0].Collected.String())
	require.Equal(t, "0.00", totals[0].Outstanding.String())
	require.Equal(t, int64(1), totals[0].Invoices)

	march, err := revenue.Handle(ctx, "2026-03")
	require.NoError(t, err)
	require.Equal(t, totals, march)

	april, err := revenue.Handle(ctx, "2026-04")
	require.NoError(t, err)
	require.Empty(t, april)
}

func TestEventsCommuteAcrossOrder(t *testing.T) {
	t.Parallel()

	bus, revenue := setup(t)
	ctx := context.Background()

	jpy, err := domain.ParseCurrency("JPY")
	require.NoError(t, err)

	inv, created, err := domain.NewInvoice("inv-2", "acme", domain.NewMoney(5000, jpy), time.Now())
	require.NoError(t, err)
	voided, err := inv.Void()
	require.NoError(t, err)

	// The void arrives before the create, as it may across consumers.
	require.NoError(t, bus.Publish(ctx, voided))
	require.NoError(t, bus.Publish(ctx, created))

	totals, err := revenue.Handle(ctx, "")
	require.NoError(t, err)
	require.Len(t, totals, 1)
	require.Equal(t, "0", totals[0].Billed.String())
	require.Equal(t, int64(0), totals[0].Invoices)
}

func TestTotalsNeverWrapAround(t *testing.T) {
	t.Parallel()

	bus, revenue := setup(t)
	ctx := context.Background()

	usd, err := domain.ParseCurrency("USD")
	require.NoError(t, err)
	largest, err := domain.ParseMoney("9999999999999999.99", usd)
	require.NoError(t, err)

	// Nine of the largest invoices fit an int64 of cents; the tenth does
	// not, so its event is refused (and poisoned) instead of wrapping.
	for i := range 10 {
		_, created, err := domain.NewInvoice(fmt.Sprintf("big-%d", i), "acme", largest, time.Now())
		require.NoError(t, err)
		require.NoError(t, bus.Publish(ctx, created))
	}

	totals, err := revenue.Handle(ctx, "")
	require.NoError(t, err)
	require.Len(t, totals, 1)
	require.Equal(t, int64(9), totals[0].Invoices)
	require.Equal(t, "89999999999999999.91", totals[0].Billed.String())
}
