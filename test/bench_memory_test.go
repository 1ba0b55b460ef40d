package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/memory"
	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app"
	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/domain"
	"github.com/millrace/millrace/ports/events"
)

// BenchmarkMemoryPath measures, in one run, events per second from command
// to projection updated on the memory backend (async delivery, every
// middleware), and raw Watermill GoChannel publish-to-handler with the same
// payload size, and reports their ratio.
func BenchmarkMemoryPath(b *testing.B) {
	template := measure(b, templatePath)
	raw := measure(b, rawGoChannel)

	b.ReportMetric(template, "template_events/s")
	b.ReportMetric(raw, "raw_events/s")
	b.ReportMetric(template/raw, "ratio")
}

// measure runs path for b.N events and returns events per second.
func measure(b *testing.B, path func(b *testing.B, n int) (start func(), done func() bool)) float64 {
	start, done := path(b, b.N)

	began := time.Now()
	start()
	for !done() {
		time.Sleep(100 * time.Microsecond)
	}

	return float64(b.N) / time.Since(began).Seconds()
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))

// templatePath wires the service as main does on BACKEND=memory and issues
// n create commands.
func templatePath(b *testing.B, n int) (func(), func() bool) {
	backend := pubsub.NewMemory(false, nil)
	b.Cleanup(func() { _ = backend.Close() })

	bus, err := pubsub.NewBus(backend.Publisher, nil)
	require.NoError(b, err)
	invoices, err := memory.NewInvoices(bus)
	require.NoError(b, err)
	ledger := memory.NewRevenue()
	application, err := app.New(app.Stores{Invoices: invoices, Revenue: ledger}, time.Now)
	require.NoError(b, err)

	router := runRouter(b, backend, ledger)
	b.Cleanup(func() { _ = router.Close() })

	start := func() {
		for i := range n {
			_, err := application.Commands.CreateInvoice.Handle(context.Background(), command.CreateInvoice{
				CustomerID: fmt.Sprintf("customer-%d", i), Amount: "120.50", Currency: "EUR",
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	done := func() bool {
		totals, err := application.Queries.Revenue.Handle(context.Background(), "")
		require.NoError(b, err)

		return len(totals) == 1 && totals[0].Invoices == int64(n)
	}

	return start, done
}

func runRouter(b *testing.B, backend pubsub.Backend, ledger *memory.Revenue) *message.Router {
	router, err := pubsub.NewRouter(pubsub.RouterConfig{
		PoisonTopic: "poison", MaxRetries: 3, RetryInterval: time.Millisecond,
		MaxRetryInterval: time.Millisecond, CloseTimeout: 10 * time.Second,
	}, backend, quiet)
	require.NoError(b, err)

	processor, err := pubsub.NewProcessor(router, backend, quiet)
	require.NoError(b, err)
	revenue, err := projection.NewRevenue(ledger)
	require.NoError(b, err)
	require.NoError(b, events.Subscribe(processor, revenue))

	go func() { _ = router.Run(context.Background()) }()
	<-router.Running()

	return router
}

// rawGoChannel publishes n messages of an event's size on a bare GoChannel
// to a router handler that only counts them.
func rawGoChannel(b *testing.B, n int) (func(), func() bool) {
	channel := gochannel.NewGoChannel(gochannel.Config{}, nil)
	b.Cleanup(func() { _ = channel.Close() })

	router, err := message.NewRouter(message.RouterConfig{}, watermill.NopLogger{})
	require.NoError(b, err)

	var handled atomic.Int64
	router.AddConsumerHandler("raw", "raw", channel, func(*message.Message) error {
		handled.Add(1)

		return nil
	})

	go func() { _ = router.Run(context.Background()) }()
	<-router.Running()
	b.Cleanup(func() { _ = router.Close() })

	payload := eventPayload(b)
	start := func() {
		for range n {
			if err := channel.Publish("raw", message.NewMessage(watermill.NewUUID(), payload)); err != nil {
				b.Fatal(err)
			}
		}
	}

	return start, func() bool { return handled.Load() == int64(n) }
}

func eventPayload(b *testing.B) []byte {
	eur, err := domain.ParseCurrency("EUR")
	require.NoError(b, err)

	_, created, err := domain.NewInvoice("01a23cb9-5053-77bb-931b-2245f48fa815", "customer-100000", domain.NewMoney(12050, eur), time.Now())
	require.NoError(b, err)

	payload, err := json.Marshal(created)
	require.NoError(b, err)

	return payload
}
