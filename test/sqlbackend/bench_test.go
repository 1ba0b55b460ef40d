package sqlbackend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/postgres"
	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app"
	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/domain"
	"github.com/millrace/millrace/internal/pgtest"
	"github.com/millrace/millrace/ports/httpapi"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// eventPayload is an invoice.created payload, for raw messages of the
// same size.
func eventPayload(b *testing.B) []byte {
	eur, err := domain.ParseCurrency("EUR")
	require.NoError(b, err)

	_, created, err := domain.NewInvoice(uuid.NewString(), "customer-100000", domain.NewMoney(12050, eur), time.Now())
	require.NoError(b, err)

	payload, err := json.Marshal(created)
	require.NoError(b, err)

	return payload
}

// stack is the service wired as main does on BACKEND=sql, in-process, on
// a fresh database, with no worker running yet.
type stack struct {
	pool    *pgxpool.Pool
	backend pubsub.Backend
	revenue *postgres.Revenue
	app     app.Application
	api     *httptest.Server
}

func newStack(b *testing.B) *stack {
	ctx := context.Background()
	wmLogger := watermill.NewSlogLogger(quiet)

	pool, err := postgres.Connect(ctx, pgtest.NewDatabase(b), postgres.PoolConfig{MaxConns: 50})
	require.NoError(b, err)
	b.Cleanup(pool.Close)
	require.NoError(b, postgres.Migrate(ctx, pool, quiet))

	backend, err := pubsub.NewSQL(pool, pubsub.SQLConfig{InitializeSchema: true}, quiet)
	require.NoError(b, err)
	b.Cleanup(func() { _ = backend.Close() })

	invoices, err := postgres.NewInvoices(pool, func(tx pgx.Tx) (postgres.EventPublisher, error) {
		publisher, err := pubsub.NewSQLTxPublisher(tx, wmLogger)
		if err != nil {
			return nil, err
		}

		return pubsub.NewBus(publisher, wmLogger)
	})
	require.NoError(b, err)

	revenue, err := postgres.NewRevenue(pool)
	require.NoError(b, err)

	application, err := app.New(app.Stores{Invoices: invoices, Revenue: revenue}, time.Now)
	require.NoError(b, err)

	api := httptest.NewServer(httpapi.NewHandler(application, backend.Ready, quiet))
	b.Cleanup(api.Close)

	return &stack{pool: pool, backend: backend, revenue: revenue, app: application, api: api}
}

// projected is how many invoices the projection counts.
func (s *stack) projected(b *testing.B) int64 {
	var n int64
	require.NoError(b, s.pool.QueryRow(context.Background(),
		`SELECT coalesce(sum(invoices), 0)::bigint FROM revenue`).Scan(&n))

	return n
}

func (s *stack) waitProjected(b *testing.B, n int64) {
	deadline := time.Now().Add(5 * time.Minute)
	for s.projected(b) < n {
		if time.Now().After(deadline) {
			b.Fatalf("projection stuck below %d invoices", n)
		}

		time.Sleep(time.Millisecond)
	}
}

// BenchmarkSQLPath measures the SQL backend in one run: create commands
// per second through the HTTP API from 32 clients while a worker runs,
// end-to-end events per second (first command to projection updated),
// the worker draining a backlog with real work, and, the way the
// watermill-benchmark does, raw watermill-sql publishing from 64
// publishers and one handler that only acks draining the backlog.
//
// Each run moves at least 5,000 events, so the rates are steady; ns/op is
// not meaningful, the reported rates are.
func BenchmarkSQLPath(b *testing.B) {
	s := newStack(b)
	n := max(b.N, 5000)

	worker := startWorker(b, s.backend, s.revenue, quiet)
	began := time.Now()
	require.NoError(b, createThroughAPI(s.api.URL, n, 32))
	apiDone := time.Since(began)
	s.waitProjected(b, int64(n))
	e2e := time.Since(began)
	require.NoError(b, worker.Close())

	require.NoError(b, createThroughAPI(s.api.URL, n, 32))
	began = time.Now()
	startWorker(b, s.backend, s.revenue, quiet)
	s.waitProjected(b, int64(2*n))
	drain := time.Since(began)

	rawPublish, rawSubscribe := rawSQL(b, s, n)

	b.ReportMetric(float64(n)/apiDone.Seconds(), "api_commands/s")
	b.ReportMetric(float64(n)/e2e.Seconds(), "e2e_events/s")
	b.ReportMetric(float64(n)/drain.Seconds(), "drain_events/s")
	b.ReportMetric(rawPublish, "raw_publish/s")
	b.ReportMetric(rawSubscribe, "raw_subscribe/s")
	b.ReportMetric(float64(n)/drain.Seconds()/rawSubscribe, "drain/raw_subscribe")
	b.ReportMetric(float64(n)/apiDone.Seconds()/rawPublish, "api/raw_publish")
}

// createThroughAPI posts n invoices from clients concurrent clients.
func createThroughAPI(url string, n, clients int) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup

	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				body := fmt.Sprintf(`{"customer_id":"customer-%d","amount":"120.50","currency":"EUR"}`, i)
				resp, err := client.Post(url+"/invoices", "application/json", bytes.NewBufferString(body))
				if err == nil {
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}

				if err != nil {
					failed.Store(err)

					return
				}
			}
		}()
	}
	wg.Wait()

	if err, ok := failed.Load().(error); ok {
		return err
	}

	return nil
}

// rawSQL publishes n messages of an event's size from 64 publishers, then
// drains them with one handler that only acks; it returns both rates.
func rawSQL(b *testing.B, s *stack, n int) (float64, float64) {
	publisher, err := pubsub.NewSQLPublisher(s.pool, pubsub.SQLConfig{InitializeSchema: true}, quiet)
	require.NoError(b, err)

	sub, err := s.backend.NewSubscriber("raw")
	require.NoError(b, err)
	require.NoError(b, sub.(message.SubscribeInitializer).SubscribeInitialize("raw"))

	payload := eventPayload(b)
	var next atomic.Int64
	var wg sync.WaitGroup

	began := time.Now()
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if err := publisher.Publish("raw", message.NewMessage(watermill.NewUUID(), payload)); err != nil {
					b.Error(err)

					return
				}
			}
		}()
	}
	wg.Wait()
	published := time.Since(began)

	router, err := message.NewRouter(message.RouterConfig{}, watermill.NopLogger{})
	require.NoError(b, err)

	var handled atomic.Int64
	router.AddConsumerHandler("raw", "raw", sub, func(*message.Message) error {
		handled.Add(1)

		return nil
	})

	began = time.Now()
	go func() { _ = router.Run(context.Background()) }()
	for handled.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
	drained := time.Since(began)
	require.NoError(b, router.Close())

	return float64(n) / published.Seconds(), float64(n) / drained.Seconds()
}

// BenchmarkSQLLatency measures, at low load, the time from a create's
// commit to the projection counting it: one command at a time, a pause
// between them.
func BenchmarkSQLLatency(b *testing.B) {
	s := newStack(b)
	startWorker(b, s.backend, s.revenue, quiet)

	latencies := make([]time.Duration, 0, b.N)
	for i := range b.N {
		_, err := s.app.Commands.CreateInvoice.Handle(context.Background(), command.CreateInvoice{
			CustomerID: "c", Amount: "120.50", Currency: "EUR",
		})
		require.NoError(b, err)
		committed := time.Now()

		for s.projected(b) < int64(i+1) {
			time.Sleep(100 * time.Microsecond)
		}

		latencies = append(latencies, time.Since(committed))
		time.Sleep(5 * time.Millisecond)
	}

	slices.Sort(latencies)
	b.ReportMetric(ms(latencies[len(latencies)/2]), "p50_ms")
	b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99_ms")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
