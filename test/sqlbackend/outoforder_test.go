package sqlbackend_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/postgres"
	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app"
	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/app/query"
	"github.com/millrace/millrace/domain"
	"github.com/millrace/millrace/internal/pgtest"
	"github.com/millrace/millrace/ports/events"
)

// Transactions that publish and then dawdle commit in another order than
// they began: the worker must skip no row that commits late.
func TestOutOfOrderCommitsAreAllApplied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	logger := quiet
	wmLogger := watermill.NewSlogLogger(logger)

	pool, err := postgres.Connect(ctx, pgtest.NewDatabase(t), postgres.PoolConfig{MaxConns: 40})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, postgres.Migrate(ctx, pool, logger))

	backend, err := pubsub.NewSQL(pool, pubsub.SQLConfig{}, logger)
	require.NoError(t, err)
	t.Cleanup(func() { _ = backend.Close() })

	invoices, err := postgres.NewInvoices(pool, func(tx pgx.Tx) (postgres.EventPublisher, error) {
		publisher, err := pubsub.NewSQLTxPublisher(tx, wmLogger)
		if err != nil {
			return nil, err
		}

		bus, err := pubsub.NewBus(publisher, wmLogger)

		return dawdler{bus}, err
	})
	require.NoError(t, err)

	revenue, err := postgres.NewRevenue(pool)
	require.NoError(t, err)

	application, err := app.New(app.Stores{Invoices: invoices, Revenue: revenue}, time.Now)
	require.NoError(t, err)
	startWorker(t, backend, revenue, logger)

	want := map[string]*total{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for client := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := client; i < 3000; i += 32 {
				currency, minor, fate, err := changeOne(application)
				if err != nil {
					t.Error(err)

					return
				}

				mu.Lock()
				record(want, currency, minor, fate)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	waitFor(t, time.Minute, "the revenue to match every committed invoice", func() bool {
		totals, err := application.Queries.Revenue.Handle(ctx, "")
		require.NoError(t, err)

		return matches(totals, want)
	})
}

// dawdler publishes, then holds the transaction open for a few random
// milliseconds before it commits.
type dawdler struct{ events postgres.EventPublisher }

func (d dawdler) Publish(ctx context.Context, e domain.Event) error {
	time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
	err := d.events.Publish(ctx, e)
	time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)

	return err
}

// changeOne creates an invoice and pays a third and voids a sixth of them.
func changeOne(application app.Application) (string, int64, string, error) {
	ctx := context.Background()
	currency := currencies[rand.IntN(len(currencies))]
	cur, _ := domain.ParseCurrency(currency)
	minor := 1 + rand.Int64N(1_000_000)

	inv, err := application.Commands.CreateInvoice.Handle(ctx, command.CreateInvoice{
		CustomerID: "c", Amount: domain.FormatMinor(minor, cur.Digits()), Currency: currency,
	})
	if err != nil {
		return "", 0, "", err
	}

	switch rand.IntN(6) {
	case 0, 1:
		_, err = application.Commands.PayInvoice.Handle(ctx, command.PayInvoice{InvoiceID: inv.ID})

		return currency, minor, "paid", err
	case 2:
		_, err = application.Commands.VoidInvoice.Handle(ctx, command.VoidInvoice{InvoiceID: inv.ID})

		return currency, minor, "void", err
	}

	return currency, minor, "open", nil
}

func record(want map[string]*total, currency string, minor int64, fate string) {
	l := ledger{totals: want}
	l.record(currency, minor, fate)
}

func matches(totals []query.RevenueTotal, want map[string]*total) bool {
	if len(totals) != len(want) {
		return false
	}

	for _, got := range totals {
		w, ok := want[got.Currency.Code()]
		if !ok || got.Billed.Minor() != w.billed || got.Collected.Minor() != w.collected ||
			got.Outstanding.Minor() != w.billed-w.collected || got.Invoices != w.invoices {
			return false
		}
	}

	return true
}

// startWorker runs the revenue projection's consumer group in-process
// until the test ends or the returned router is closed.
func startWorker(t testing.TB, backend pubsub.Backend, ledger projection.RevenueLedger, logger *slog.Logger) *message.Router {
	router, err := pubsub.NewRouter(pubsub.RouterConfig{
		PoisonTopic: "poison", MaxRetries: 3, RetryInterval: 10 * time.Millisecond,
		MaxRetryInterval: time.Second, CloseTimeout: 10 * time.Second,
	}, backend, logger)
	require.NoError(t, err)

	processor, err := pubsub.NewProcessor(router, backend, logger)
	require.NoError(t, err)

	revenue, err := projection.NewRevenue(ledger)
	require.NoError(t, err)
	require.NoError(t, events.Subscribe(processor, revenue))

	go func() { _ = router.Run(context.Background()) }()
	<-router.Running()
	t.Cleanup(func() { _ = router.Close() })

	return router
}
