package redis_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/domain"
	"github.com/millrace/millrace/internal/pgtest"
	"github.com/millrace/millrace/internal/redistest"
	"github.com/millrace/millrace/test/harness"
)

// outboxEnv is redisEnv with the PostgreSQL store, so events go through
// the outbox, a claim delay short enough for a test, and small pools:
// several processes share the server's connections with other suites.
func outboxEnv(redisURL, prefix, databaseURL string) []string {
	return append(redisEnv(redisURL, prefix), "DATABASE_URL="+databaseURL, "DATABASE_MAX_CONNS=5", "REDIS_CLAIM_AFTER=2s")
}

// TestKilledWorkersMessagesAreClaimed: one API and three workers; one
// worker is killed with SIGKILL while invoices pour in, holding messages it
// had read and not acknowledged. The others claim them after
// REDIS_CLAIM_AFTER and the totals come out exact.
func TestKilledWorkersMessagesAreClaimed(t *testing.T) {
	t.Parallel()

	url, prefix := redistest.URL(t), redistest.Prefix(t)
	client := redistest.Client(t, url)
	env := outboxEnv(url, prefix, pgtest.NewDatabase(t))

	api := startRole(t, "api", env...)
	workers := []*service{startRole(t, "worker", env...), startRole(t, "worker", env...), startRole(t, "worker", env...)}
	victim := workers[1]

	const n = 3000
	var created atomic.Int64
	type result struct {
		billed string
		failed int64
	}
	done := make(chan result, 1)
	go func() {
		billed, failed := createMany(api, n, &created)
		done <- result{billed, failed}
	}()

	harness.WaitFor(t, time.Minute, "a third of the invoices is created", func() bool { return created.Load() >= n/3 })

	// Frozen first, so that what Redis hands its consumers from now on
	// stays pending. It is killed once it holds some, or after a few
	// seconds: when it froze holding the outbox relay's offset lock,
	// nothing new reaches Redis until it dies.
	require.NoError(t, victim.Signal(syscall.SIGSTOP))
	deadline := time.Now().Add(5 * time.Second)
	for pendingOf(client, prefix, victim.Pid()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}

	victim.Kill()
	t.Logf("the killed worker held %d pending messages", pendingOf(client, prefix, victim.Pid()))

	res := <-done
	billed := res.billed
	require.Zero(t, res.failed, "every create answers 201")

	api.waitRevenueWithin(t, 2*time.Minute, n, billed)
	require.Zero(t, pendingOf(client, prefix, victim.Pid()), "its messages were claimed")
}

// TestOutboxKeepsEventsWhileRedisIsDown: creates succeed while Redis is
// unreachable, because events only need the database; once Redis is back,
// the relay delivers every one of them.
func TestOutboxKeepsEventsWhileRedisIsDown(t *testing.T) {
	t.Parallel()

	server := redistest.StartServer(t)
	svc := startService(t, outboxEnv(server.URL(), "", pgtest.NewDatabase(t))...)

	for range 5 {
		require.Equal(t, http.StatusCreated, svc.create(t, "1.00"))
	}

	svc.waitRevenue(t, 5, "5.00")

	server.Kill()
	harness.WaitFor(t, 15*time.Second, "/readyz answers 503", func() bool {
		return svc.status("/readyz") == http.StatusServiceUnavailable
	})

	for range 20 {
		require.Equal(t, http.StatusCreated, svc.create(t, "1.00"), "a create needs only the database")
	}

	server.Start()
	harness.WaitFor(t, 15*time.Second, "/readyz answers 200 again", func() bool {
		return svc.status("/readyz") == http.StatusOK
	})

	svc.waitRevenueWithin(t, time.Minute, 25, "25.00")
}

// TestOutboxEventsWaitForTheFirstWorker: invoices created while only the
// API runs are all processed once a worker starts.
func TestOutboxEventsWaitForTheFirstWorker(t *testing.T) {
	t.Parallel()

	url, prefix := redistest.URL(t), redistest.Prefix(t)
	env := outboxEnv(url, prefix, pgtest.NewDatabase(t))

	api := startRole(t, "api", env...)
	var created atomic.Int64
	billed, failed := createMany(api, 100, &created)
	require.Zero(t, failed)

	startRole(t, "worker", env...)

	api.waitRevenue(t, 100, billed)
}

// createMany creates n invoices of varied amounts from 16 clients, counting
// successes in created. It returns the billed total and how many creates
// did not answer 201.
func createMany(s *service, n int, created *atomic.Int64) (billed string, failed int64) {
	var next, sum, bad atomic.Int64
	var wg sync.WaitGroup

	for range 16 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				minor := 100 + i%997
				if createStatus(s, fmt.Sprintf("%d.%02d", minor/100, minor%100)) != http.StatusCreated {
					bad.Add(1)

					continue
				}

				sum.Add(minor)
				created.Add(1)
			}
		})
	}

	wg.Wait()

	return fmt.Sprintf("%d.%02d", sum.Load()/100, sum.Load()%100), bad.Load()
}

func createStatus(s *service, amount string) int {
	body := fmt.Sprintf(`{"customer_id":"c-1","amount":%q,"currency":"EUR","issued_at":"2026-11-05T10:00:00Z"}`, amount)
	resp, err := http.Post(s.URL+"/invoices", "application/json", strings.NewReader(body))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()

	return resp.StatusCode
}

// pendingOf is how many messages the consumers of process pid hold in the
// revenue projection's group.
func pendingOf(client *redis.Client, prefix string, pid int) int64 {
	pending, err := client.XPending(context.Background(), prefix+domain.InvoiceStream, "revenue-projection").Result()
	if err != nil {
		return 0
	}

	held := int64(0)
	for consumer, count := range pending.Consumers {
		if strings.Contains(consumer, "-"+strconv.Itoa(pid)+"-") {
			held += count
		}
	}

	return held
}

// TestRelaysKeepTheOutboxOrder: with two workers, two relays share the
// outbox; the stream still carries the events in the order the outbox
// holds them, because one relay at a time holds the group's offset.
func TestRelaysKeepTheOutboxOrder(t *testing.T) {
	t.Parallel()

	url, prefix := redistest.URL(t), redistest.Prefix(t)
	database := pgtest.NewDatabase(t)
	env := outboxEnv(url, prefix, database)

	api := startRole(t, "api", env...)
	startRole(t, "worker", env...)
	startRole(t, "worker", env...)

	var created atomic.Int64
	billed, failed := createMany(api, 300, &created)
	require.Zero(t, failed)
	api.waitRevenue(t, 300, billed)

	require.Equal(t, outboxOrder(t, database), streamOrder(t, url, prefix+domain.InvoiceStream))
}

// outboxOrder lists the event IDs in the outbox in the order the relay
// reads them.
func outboxOrder(t *testing.T, database string) []string {
	t.Helper()

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, database)
	require.NoError(t, err)
	defer conn.Close(ctx)

	rows, err := conn.Query(ctx,
		`SELECT convert_from(payload, 'UTF8')::json->>'uuid' FROM watermill_outbox ORDER BY transaction_id, "offset"`)
	require.NoError(t, err)

	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)

	return ids
}

// streamOrder lists the message UUIDs of a stream in stream order.
func streamOrder(t *testing.T, url, stream string) []string {
	t.Helper()

	entries, err := redistest.Client(t, url).XRange(context.Background(), stream, "-", "+").Result()
	require.NoError(t, err)

	ids := make([]string, 0, len(entries))
	for _, entry := range entries {
		msg, err := redisstream.DefaultMarshallerUnmarshaller{}.Unmarshal(entry.Values)
		require.NoError(t, err)
		ids = append(ids, msg.UUID)
	}

	return ids
}

// TestRelayedEventsLeaveTheOutbox: relayed events are deleted from the
// outbox once older than OUTBOX_RETENTION, and relaying goes on after.
func TestRelayedEventsLeaveTheOutbox(t *testing.T) {
	t.Parallel()

	database := pgtest.NewDatabase(t)
	svc := startService(t, append(outboxEnv(redistest.URL(t), redistest.Prefix(t), database),
		"OUTBOX_RETENTION=100ms")...)

	for range 20 {
		require.Equal(t, http.StatusCreated, svc.create(t, "1.00"))
	}

	svc.waitRevenue(t, 20, "20.00")
	harness.WaitFor(t, 30*time.Second, "the outbox is empty", func() bool { return outboxRows(t, database) == 0 })

	for range 5 {
		require.Equal(t, http.StatusCreated, svc.create(t, "1.00"))
	}

	svc.waitRevenue(t, 25, "25.00")
}

func outboxRows(t *testing.T, database string) int {
	t.Helper()

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, database)
	require.NoError(t, err)
	defer conn.Close(ctx)

	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM watermill_outbox`).Scan(&n))

	return n
}

// TestStoppedWorkerFinishesItsHandlers: a worker stopped with SIGTERM while
// invoices pour in lets its running handlers finish: it exits 0, poisons
// nothing, and the totals come out exact.
func TestStoppedWorkerFinishesItsHandlers(t *testing.T) {
	t.Parallel()

	env := outboxEnv(redistest.URL(t), redistest.Prefix(t), pgtest.NewDatabase(t))
	api := startRole(t, "api", env...)
	startRole(t, "worker", env...)
	stopped := startRole(t, "worker", append(env, "LOG_LEVEL=info")...)

	const n = 1500
	var created atomic.Int64
	billed := make(chan string, 1)
	go func() {
		b, failed := createMany(api, n, &created)
		if failed > 0 {
			b = fmt.Sprintf("%d creates failed", failed)
		}
		billed <- b
	}()

	harness.WaitFor(t, time.Minute, "a third of the invoices is created", func() bool { return created.Load() >= n/3 })
	require.NoError(t, stopped.Signal(syscall.SIGTERM))
	harness.WaitFor(t, time.Minute, "the stopped worker's exit", stopped.Exited)
	require.NoError(t, stopped.Wait(), "exit status after SIGTERM")
	require.NotContains(t, stopped.Logs(), "message poisoned")

	api.waitRevenueWithin(t, 2*time.Minute, n, <-billed)
}
