// Package redis_test runs the service binary with BACKEND=redis against a
// real Redis: the shared one with a stream prefix per test, or a private
// redis-server where a test breaks the connection.
package redis_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/domain"
	"github.com/millrace/millrace/internal/redistest"
	"github.com/millrace/millrace/test/harness"
)

// redisEnv configures the service for url with its own streams. Retries
// are quick so that poisoning does not wait on backoff.
func redisEnv(url, prefix string) []string {
	return []string{
		"BACKEND=redis",
		"REDIS_URL=" + url,
		"REDIS_STREAM_PREFIX=" + prefix,
		"REDIS_CLAIM_AFTER=1s",
		"REDIS_NACK_DELAY=50ms",
		"HANDLER_RETRY_INTERVAL=10ms",
		"HANDLER_MAX_RETRY_INTERVAL=50ms",
	}
}

func TestEventsPublishedBeforeAnyWorkerAreProcessed(t *testing.T) {
	t.Parallel()

	url, prefix := redistest.URL(t), redistest.Prefix(t)
	const n = 200

	backend, err := pubsub.NewRedis(context.Background(), pubsub.RedisConfig{
		URL: url, StreamPrefix: prefix, ClaimAfter: time.Second, NackDelay: time.Second, Readers: 1,
	}, discardLogger())
	require.NoError(t, err)
	t.Cleanup(func() { _ = backend.Close() })

	bus, err := pubsub.NewBus(backend.Publisher, nil)
	require.NoError(t, err)

	eur, err := domain.ParseCurrency("EUR")
	require.NoError(t, err)
	issued := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	for range n {
		_, created, err := domain.NewInvoice(uuid.Must(uuid.NewV7()).String(), "c-1", domain.NewMoney(1050, eur), issued)
		require.NoError(t, err)
		require.NoError(t, bus.Publish(context.Background(), created))
	}

	svc := startService(t, redisEnv(url, prefix)...)

	svc.waitRevenue(t, n, "2100.00")
}

func TestMalformedEntriesArePoisonedAndTheRestProcessed(t *testing.T) {
	t.Parallel()

	url, prefix := redistest.URL(t), redistest.Prefix(t)
	client := redistest.Client(t, url)
	svc := startService(t, redisEnv(url, prefix)...)
	ctx := context.Background()

	// An entry that is not a Watermill message at all, added by hand.
	err := client.XAdd(ctx, &redis.XAddArgs{
		Stream: prefix + domain.InvoiceStream,
		Values: map[string]any{"garbage": "not a message"},
	}).Err()
	require.NoError(t, err)

	// A Watermill message that names an event but whose payload is not one.
	bad := message.NewMessage(uuid.NewString(), []byte("{not json"))
	bad.Metadata.Set(pubsub.MetadataEventName, domain.InvoiceCreatedName)
	publishRaw(t, client, prefix+domain.InvoiceStream, bad)

	for range 10 {
		require.Equal(t, http.StatusCreated, svc.create(t, "10.50"))
	}

	svc.waitRevenue(t, 10, "105.00")

	poison := prefix + "poison"
	harness.WaitFor(t, 30*time.Second, "two entries reach the poison stream", func() bool {
		n, err := client.XLen(ctx, poison).Result()

		return err == nil && n == 2
	})

	entries, err := client.XRange(ctx, poison, "-", "+").Result()
	require.NoError(t, err)
	for _, entry := range entries {
		msg, err := redisstream.DefaultMarshallerUnmarshaller{}.Unmarshal(entry.Values)
		require.NoError(t, err)
		require.Contains(t, msg.Metadata.Get(middleware.ReasonForPoisonedKey), "unreadable message")
	}
}

// TestRedisLostWhileRunning: readiness fails while Redis is gone; when it
// comes back, empty as after a crash, the service recreates its consumer
// group and processes new events.
func TestRedisLostWhileRunning(t *testing.T) {
	t.Parallel()

	server := redistest.StartServer(t)
	svc := startService(t, redisEnv(server.URL(), "")...)

	for range 5 {
		require.Equal(t, http.StatusCreated, svc.create(t, "1.00"))
	}

	svc.waitRevenue(t, 5, "5.00")
	require.Equal(t, http.StatusOK, svc.status("/readyz"))

	server.Kill()
	harness.WaitFor(t, 15*time.Second, "/readyz answers 503", func() bool {
		return svc.status("/readyz") == http.StatusServiceUnavailable
	})

	server.Start()
	harness.WaitFor(t, 15*time.Second, "/readyz answers 200 again", func() bool {
		return svc.status("/readyz") == http.StatusOK
	})

	harness.WaitFor(t, 30*time.Second, "a create succeeds again", func() bool {
		return svc.create(t, "1.00") == http.StatusCreated
	})

	for range 4 {
		require.Equal(t, http.StatusCreated, svc.create(t, "1.00"))
	}

	svc.waitRevenue(t, 10, "10.00")
}

func TestUnreachableRedisStopsTheStartWithOneLine(t *testing.T) {
	t.Parallel()

	url := "redis://" + harness.FreeAddr(t) + "/0"
	out, err := runOnce(t, "", "BACKEND=redis", "REDIS_URL="+url, "HTTP_ADDR="+harness.FreeAddr(t))

	require.Error(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.True(t, strings.HasPrefix(lines[len(lines)-1], "REDIS_URL="+url+": "), out)
	require.Equal(t, 1, strings.Count(out, "unreachable"), out)
}

func publishRaw(t *testing.T, client *redis.Client, stream string, msg *message.Message) {
	t.Helper()

	values, err := redisstream.DefaultMarshallerUnmarshaller{}.Marshal(stream, msg)
	require.NoError(t, err)
	require.NoError(t, client.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: values}).Err())
}

func TestWithoutDatabaseTheLossRiskIsLoggedOnce(t *testing.T) {
	t.Parallel()

	svc := startService(t, redisEnv(redistest.URL(t), redistest.Prefix(t))...)

	require.Equal(t, 1, strings.Count(svc.Logs(), "a crash can lose events"), svc.Logs())
}

func TestWorkerRoleNeedsTheDatabase(t *testing.T) {
	t.Parallel()

	env := append(redisEnv(redistest.URL(t), redistest.Prefix(t)), "HTTP_ADDR="+harness.FreeAddr(t))
	out, err := runOnce(t, "worker", env...)

	require.Error(t, err)
	require.Contains(t, out, "role worker needs a store shared between processes", out)
}
