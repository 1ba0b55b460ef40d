package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app/correlation"
)

// pinged is an event of the tests' own, so the plumbing is tested without
// the worked example.
type pinged struct {
	ID   string `json:"id"`
	Step string `json:"step"`
}

func (pinged) EventName() string          { return "test.pinged" }
func (p pinged) EventID() string          { return p.ID }
func (pinged) EventOccurredAt() time.Time { return time.Unix(0, 0) }
func (pinged) EventSchemaVersion() int    { return 1 }
func (pinged) Stream() string             { return "pings" }
func ping(id, step string) pinged         { return pinged{ID: id, Step: step} }
func discard() *slog.Logger               { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func fastRetries(poison string) pubsub.RouterConfig {
	return pubsub.RouterConfig{
		PoisonTopic:      poison,
		MaxRetries:       3,
		RetryInterval:    time.Millisecond,
		MaxRetryInterval: 5 * time.Millisecond,
		CloseTimeout:     5 * time.Second,
	}
}

// collect acknowledges the poison topic's messages as they come, so a sync
// publish that poisons is not left waiting, and hands them over buffered.
func collect(t *testing.T, backend pubsub.Backend) <-chan *message.Message {
	t.Helper()

	sub, err := backend.NewSubscriber("poison-reader")
	require.NoError(t, err)

	in, err := sub.Subscribe(context.Background(), "poison")
	require.NoError(t, err)

	out := make(chan *message.Message, 16)
	go func() {
		for msg := range in {
			msg.Ack()
			out <- msg
		}
	}()

	return out
}

// fixture is what a router test works with.
type fixture struct {
	bus     *pubsub.Bus
	backend pubsub.Backend
	poison  <-chan *message.Message
}

// setup runs a router on a sync memory backend with handle as the handler
// of group "ping-handler" and others, if any, as group "other-handlers".
func setup(t *testing.T, handle func(ctx context.Context, p *pinged) error, others ...pubsub.Handler) fixture {
	t.Helper()

	backend := pubsub.NewMemory(true, nil)
	t.Cleanup(func() { _ = backend.Close() })

	poison := collect(t, backend)

	router, err := pubsub.NewRouter(fastRetries("poison"), backend, discard())
	require.NoError(t, err)

	processor, err := pubsub.NewProcessor(router, backend, discard())
	require.NoError(t, err)
	require.NoError(t, processor.AddGroup("ping-handler", cqrs.NewGroupEventHandler(handle)))
	if len(others) > 0 {
		require.NoError(t, processor.AddGroup("other-handlers", others...))
	}

	go func() { _ = router.Run(context.Background()) }()
	<-router.Running()
	t.Cleanup(func() { _ = router.Close() })

	bus, err := pubsub.NewBus(backend.Publisher, nil)
	require.NoError(t, err)

	return fixture{bus: bus, backend: backend, poison: poison}
}

func TestTransientErrorIsRetried(t *testing.T) {
	t.Parallel()

	var mu sync.Mutex
	attempts, handled := 0, 0
	f := setup(t, func(ctx context.Context, p *pinged) error {
		mu.Lock()
		defer mu.Unlock()

		attempts++
		if attempts < 3 {
			return errors.New("connection reset")
		}

		handled++

		return nil
	})

	require.NoError(t, f.bus.Publish(context.Background(), ping("e1", "flaky")))

	mu.Lock()
	require.Equal(t, 3, attempts)
	require.Equal(t, 1, handled)
	mu.Unlock()
	require.Empty(t, f.poison)
}

func TestFailuresEndInPoisonAndLaterEventsAreHandled(t *testing.T) {
	t.Parallel()

	var mu sync.Mutex
	attempts := map[string]int{}
	handled := []string{}
	f := setup(t, func(ctx context.Context, p *pinged) error {
		mu.Lock()
		attempts[p.Step]++
		mu.Unlock()

		switch p.Step {
		case "fails":
			return errors.New("card declined for good")
		case "panics":
			panic("handler bug")
		}

		mu.Lock()
		handled = append(handled, p.ID)
		mu.Unlock()

		return nil
	})

	ctx := correlation.With(context.Background(), "req-42")
	for _, p := range []pinged{ping("e1", "fails"), ping("e2", "panics"), ping("e3", "ok")} {
		require.NoError(t, f.bus.Publish(ctx, p))
	}

	reasons := map[string]string{}
	for range 2 {
		select {
		case msg := <-f.poison:
			reasons[msg.UUID] = msg.Metadata.Get(middleware.ReasonForPoisonedKey)
			require.Equal(t, "ping-handler", msg.Metadata.Get(middleware.PoisonedHandlerKey))
			require.Equal(t, "req-42", msg.Metadata.Get(pubsub.MetadataCorrelationID))
		case <-time.After(10 * time.Second):
			t.Fatal("no poisoned message within 10s")
		}
	}

	require.Contains(t, reasons["e1"], "card declined for good")
	require.Contains(t, reasons["e2"], "handler bug")

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 4, attempts["fails"], "one try and three retries")
	require.Equal(t, 4, attempts["panics"], "a panic is retried like an error")
	require.Equal(t, []string{"e3"}, handled)
}

func TestUnreadableMessageIsPoisonedWithoutRetries(t *testing.T) {
	t.Parallel()

	attempts := 0
	f := setup(t, func(context.Context, *pinged) error { attempts++; return nil })

	bad := message.NewMessage("bad-1", []byte(`{"id": 12`))
	bad.Metadata.Set(pubsub.MetadataEventName, "test.pinged")
	require.NoError(t, f.backend.Publisher.Publish("pings", bad))

	select {
	case msg := <-f.poison:
		require.Equal(t, "bad-1", msg.UUID)
		require.Contains(t, msg.Metadata.Get(middleware.ReasonForPoisonedKey), "unreadable message")
	case <-time.After(10 * time.Second):
		t.Fatal("no poisoned message within 10s")
	}

	require.Zero(t, attempts)
}

func TestUnknownEventNameIsPoisoned(t *testing.T) {
	t.Parallel()

	f := setup(t, func(context.Context, *pinged) error { return nil })

	odd := message.NewMessage("odd-1", []byte(`{}`))
	odd.Metadata.Set(pubsub.MetadataEventName, "test.unheard-of")
	require.NoError(t, f.backend.Publisher.Publish("pings", odd))

	select {
	case msg := <-f.poison:
		require.Equal(t, "odd-1", msg.UUID)
		reason := msg.Metadata.Get(middleware.ReasonForPoisonedKey)
		require.Contains(t, reason, "test.unheard-of")
		require.Contains(t, reason, "unreadable message", "poisoned without retries")
	case <-time.After(10 * time.Second):
		t.Fatal("no poisoned message within 10s")
	}
}

// ponged is a second event on the same stream, handled by another group.
type ponged struct{ pinged }

func (ponged) EventName() string { return "test.ponged" }

func TestGroupSkipsEventsOfOtherGroups(t *testing.T) {
	t.Parallel()

	var pings, pongs atomic.Int32
	f := setup(t, func(context.Context, *pinged) error { pings.Add(1); return nil },
		cqrs.NewGroupEventHandler(func(context.Context, *ponged) error { pongs.Add(1); return nil }))

	require.NoError(t, f.bus.Publish(context.Background(), ponged{ping("p1", "ok")}))
	require.NoError(t, f.bus.Publish(context.Background(), ping("p2", "ok")))

	require.Equal(t, int32(1), pongs.Load())
	require.Equal(t, int32(1), pings.Load())
	require.Empty(t, f.poison)
}

func TestCancelledHandlerIsRedeliveredNotPoisoned(t *testing.T) {
	t.Parallel()

	var calls atomic.Int32
	f := setup(t, func(ctx context.Context, p *pinged) error {
		if calls.Add(1) == 1 {
			return fmt.Errorf("begin: %w", context.Canceled)
		}

		return nil
	})

	require.NoError(t, f.bus.Publish(context.Background(), ping("c1", "ok")))
	require.Equal(t, int32(2), calls.Load(), "one cut-off attempt, then a redelivery")
	require.Empty(t, f.poison)
}

func TestHandlerContextOutlivesItsSubscription(t *testing.T) {
	t.Parallel()

	var seen atomic.Value
	f := setup(t, func(ctx context.Context, p *pinged) error {
		seen.Store(ctx)

		return nil
	})

	require.NoError(t, f.bus.Publish(context.Background(), ping("d1", "ok")))
	require.NoError(t, f.backend.Close())

	ctx := seen.Load().(context.Context)
	require.NoError(t, ctx.Err(), "closing the transport does not cut a handler's work")
}
