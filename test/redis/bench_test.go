package redis_test

import (
	"context"
	"crypto/rand"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/memory"
	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/domain"
	"github.com/millrace/millrace/internal/redistest"
	"github.com/millrace/millrace/ports/events"
)

const (
	benchMessages   = 10_000
	benchPublishers = 16

	// pacedEvents are published at pacedRate for the latency of a service
	// that keeps up, rather than of a backlog.
	pacedEvents = 2_000
	pacedRate   = 1_000

	// benchRounds is how often the rate stages run per iteration.
	benchRounds = 3
)

// BenchmarkRedis measures, in one run and on the same Redis, the raw
// watermill-redisstream publish and subscribe rates the way the public
// watermill-benchmark does (many publishers; one router handler draining a
// consumer group with the library's defaults), then this project's
// pipeline end to end: events published through the backend, delivered by
// the router with its middleware and applied to the revenue projection.
// Each iteration moves benchMessages messages through every stage, the
// rate stages benchRounds times, alternating, and reports their medians:
// on a small shared machine one round is noisy. Run it with -benchtime=1x.
func BenchmarkRedis(b *testing.B) {
	url := redistest.URL(b)

	var rawPub, rawSub, drain, live []float64
	var saturated, paced []time.Duration
	for range b.N {
		for range benchRounds {
			prefix := redistest.Prefix(b)
			pub, sub := rawRates(b, url, prefix)
			rawPub, rawSub = append(rawPub, pub), append(rawSub, sub)
			drain = append(drain, drainRate(b, url, prefix+"drain:"))
		}

		prefix := redistest.Prefix(b)
		rate, lat := liveRun(b, url, prefix+"live:")
		live = append(live, rate)
		saturated = append(saturated, lat...)
		paced = append(paced, pacedLatency(b, url, prefix+"paced:")...)
	}

	b.ReportMetric(0, "ns/op")
	b.ReportMetric(median(rawPub), "raw_pub_msg/s")
	b.ReportMetric(median(rawSub), "raw_sub_msg/s")
	b.ReportMetric(median(drain), "e2e_events/s")
	b.ReportMetric(median(live), "e2e_live_events/s")
	b.ReportMetric(percentile(saturated, 50), "e2e_live_p50_ms")
	b.ReportMetric(percentile(saturated, 99), "e2e_live_p99_ms")
	b.ReportMetric(percentile(paced, 50), "e2e_1k/s_p50_ms")
	b.ReportMetric(percentile(paced, 99), "e2e_1k/s_p99_ms")
	b.ReportMetric(median(drain)/median(rawSub), "e2e/raw_sub")
	b.ReportMetric(median(live)/median(rawPub), "e2e_live/raw_pub")
}

func median(xs []float64) float64 {
	sorted := slices.Sorted(slices.Values(xs))

	return sorted[len(sorted)/2]
}

// rawRates publishes benchMessages 64-byte messages from benchPublishers
// goroutines, then drains them with one handler.
func rawRates(b *testing.B, url, prefix string) (pubRate, subRate float64) {
	b.Helper()

	topic := prefix + "raw"
	client := redistest.Client(b, url)
	publisher, err := redisstream.NewPublisher(redisstream.PublisherConfig{Client: client}, nil)
	require.NoError(b, err)

	payload := make([]byte, 64)
	_, _ = rand.Read(payload)

	start := time.Now()
	fanOut(benchMessages, func() {
		require.NoError(b, publisher.Publish(topic, message.NewMessage(watermill.NewUUID(), payload)))
	})
	pubRate = rate(benchMessages, time.Since(start))

	subscriber, err := redisstream.NewSubscriber(redisstream.SubscriberConfig{
		Client:        redistest.Client(b, url),
		ConsumerGroup: "bench",
	}, nil)
	require.NoError(b, err)

	router, err := message.NewRouter(message.RouterConfig{}, nil)
	require.NoError(b, err)

	var received atomic.Int64
	done := make(chan struct{})
	router.AddConsumerHandler("drain", topic, subscriber, func(*message.Message) error {
		if received.Add(1) == benchMessages {
			close(done)
		}

		return nil
	})

	start = time.Now()
	go func() { _ = router.Run(context.Background()) }()
	waitDone(b, done, "raw subscriber drained the stream")
	subRate = rate(benchMessages, time.Since(start))
	require.NoError(b, router.Close())

	return pubRate, subRate
}

// drainRate publishes benchMessages invoice.created events through the
// bus first, then starts the router and measures how fast the pipeline
// (router, middleware, cqrs dispatch, projection) drains them: the same
// conditions as the raw subscriber's rate.
func drainRate(b *testing.B, url, prefix string) float64 {
	b.Helper()

	backend, bus := newBus(b, url, prefix)
	created := invoiceEvents(b, benchMessages)
	var next atomic.Int64
	fanOut(benchMessages, func() {
		require.NoError(b, bus.Publish(context.Background(), created[next.Add(1)-1]))
	})

	ledger := newTimingLedger(benchMessages)
	start := time.Now()
	startRouter(b, backend, ledger)
	waitDone(b, ledger.done, "the projection applied every event")

	return rate(benchMessages, time.Since(start))
}

// liveRun publishes benchMessages events while the router applies them,
// and returns the events per second from the first publish to the last
// apply, and each event's publish-to-apply latency.
func liveRun(b *testing.B, url, prefix string) (float64, []time.Duration) {
	b.Helper()

	backend, bus := newBus(b, url, prefix)
	ledger := newTimingLedger(benchMessages)
	startRouter(b, backend, ledger)

	created := invoiceEvents(b, benchMessages)
	published := make([]time.Time, len(created))
	var next atomic.Int64

	start := time.Now()
	fanOut(benchMessages, func() {
		i := next.Add(1) - 1
		published[i] = time.Now()
		require.NoError(b, bus.Publish(context.Background(), created[i]))
	})
	waitDone(b, ledger.done, "the projection applied every event")
	elapsed := time.Since(start)

	return rate(benchMessages, elapsed), ledger.latencies(created, published)
}

// pacedLatency publishes pacedEvents from one goroutine at pacedRate and
// returns each event's publish-to-apply latency.
func pacedLatency(b *testing.B, url, prefix string) []time.Duration {
	b.Helper()

	backend, bus := newBus(b, url, prefix)
	ledger := newTimingLedger(pacedEvents)
	startRouter(b, backend, ledger)
	created := invoiceEvents(b, pacedEvents)
	published := make([]time.Time, len(created))

	tick := time.NewTicker(time.Second / pacedRate)
	defer tick.Stop()

	for i := range created {
		<-tick.C
		published[i] = time.Now()
		require.NoError(b, bus.Publish(context.Background(), created[i]))
	}

	waitDone(b, ledger.done, "the projection applied every paced event")

	return ledger.latencies(created, published)
}

// newBus is the backend as the service configures it by default, and the
// event bus on it. Both close when the benchmark ends.
func newBus(b *testing.B, url, prefix string) (pubsub.Backend, *pubsub.Bus) {
	b.Helper()

	cfg := pubsub.RedisConfig{URL: url, StreamPrefix: prefix, ClaimAfter: 30 * time.Second,
		NackDelay: time.Second, MaxLen: 1_000_000, Readers: 8}
	backend, err := pubsub.NewRedis(context.Background(), cfg, discardLogger())
	require.NoError(b, err)
	b.Cleanup(func() { _ = backend.Close() })

	bus, err := pubsub.NewBus(backend.Publisher, nil)
	require.NoError(b, err)

	return backend, bus
}

// startRouter runs the router with its middleware and the revenue
// projection on ledger, until the benchmark ends.
func startRouter(b *testing.B, backend pubsub.Backend, ledger *timingLedger) {
	b.Helper()

	router, err := pubsub.NewRouter(pubsub.RouterConfig{PoisonTopic: "poison", MaxRetries: 5,
		RetryInterval: 100 * time.Millisecond, MaxRetryInterval: time.Second, CloseTimeout: 10 * time.Second,
	}, backend, discardLogger())
	require.NoError(b, err)

	processor, err := pubsub.NewProcessor(router, backend, discardLogger())
	require.NoError(b, err)

	revenue, err := projection.NewRevenue(ledger)
	require.NoError(b, err)
	require.NoError(b, events.Subscribe(processor, revenue))

	go func() { _ = router.Run(context.Background()) }()
	<-router.Running()
	b.Cleanup(func() { _ = router.Close() })
}

func invoiceEvents(b *testing.B, n int) []domain.InvoiceCreated {
	b.Helper()

	eur, err := domain.ParseCurrency("EUR")
	require.NoError(b, err)

	created := make([]domain.InvoiceCreated, n)
	for i := range created {
		_, created[i], err = domain.NewInvoice(uuid.Must(uuid.NewV7()).String(), "c-1",
			domain.NewMoney(1050, eur), time.Now())
		require.NoError(b, err)
	}

	return created
}

func newTimingLedger(want int) *timingLedger {
	return &timingLedger{Revenue: memory.NewRevenue(), want: want,
		done: make(chan struct{}), applied: map[string]time.Time{}}
}

// timingLedger records when each event was applied and closes done once
// want distinct events were.
type timingLedger struct {
	*memory.Revenue
	want int

	mu      sync.Mutex
	applied map[string]time.Time
	done    chan struct{}
}

func (l *timingLedger) Apply(ctx context.Context, handler, eventID string, d projection.RevenueDelta) error {
	if err := l.Revenue.Apply(ctx, handler, eventID, d); err != nil {
		return err
	}

	l.mu.Lock()
	defer l.mu.Unlock()

	if _, ok := l.applied[eventID]; !ok {
		l.applied[eventID] = time.Now()
		if len(l.applied) == l.want {
			close(l.done)
		}
	}

	return nil
}

// latencies is how long each event took from its publish to its apply.
func (l *timingLedger) latencies(created []domain.InvoiceCreated, published []time.Time) []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()

	out := make([]time.Duration, len(created))
	for i, e := range created {
		out[i] = l.applied[e.EventID()].Sub(published[i])
	}

	return out
}

// fanOut calls fn n times from benchPublishers goroutines.
func fanOut(n int, fn func()) {
	var wg sync.WaitGroup
	var left atomic.Int64
	left.Store(int64(n))

	for range benchPublishers {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				fn()
			}
		})
	}

	wg.Wait()
}

func waitDone(b *testing.B, done <-chan struct{}, what string) {
	b.Helper()

	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("timed out waiting until %s", what)
	}
}

func rate(n int, d time.Duration) float64 {
	return float64(n) / d.Seconds()
}

// percentile is the p-th percentile of ds in milliseconds.
func percentile(ds []time.Duration, p int) float64 {
	sorted := slices.Sorted(slices.Values(ds))

	return float64(sorted[len(sorted)*p/100].Microseconds()) / 1000
}
