package redis_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/domain"
	"github.com/millrace/millrace/internal/redistest"
)

// outboxEnv is redisEnv with the PostgreSQL store, so events go through
// the outbox, a claim delay short enough for a test, and small pools:
// several processes share the server's connections with other suites.
func outboxEnv(redisURL, prefix, databaseURL string) []string {
	return append(redisEnv(redisURL, prefix), "DATABASE_URL="+databaseURL, "DATABASE_MAX_CONNS=4", "REDIS_CLAIM_AFTER=2s")
}

// TestKilledWorkersMessagesAreClaimed: one API and three workers; one
// worker is killed with SIGKILL while invoices pour in. Its pending
// messages are claimed by the others and the totals come out exact.
func TestKilledWorkersMessagesAreClaimed(t *testing.T) {
	t.Parallel()

	url, prefix := redistest.URL(t), redistest.Prefix(t)
	env := outboxEnv(url, prefix, newDatabase(t))

	api := startRole(t, "api", env...)
	workers := []*service{startRole(t, "worker", env...), startRole(t, "worker", env...), startRole(t, "worker", env...)}

	const n = 3000
	var created atomic.Int64
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		waitFor(t, time.Minute, "a third of the invoices is created", func() bool { return created.Load() >= n/3 })
		workers[1].kill(t)
	}()

	billed, failed := createMany(api, n, &created)
	<-killed
	require.Zero(t, failed, "every create answers 201")

	reportPending(t, url, prefix, workers[1].cmd.Process.Pid)
	api.waitRevenueWithin(t, 2*time.Minute, n, billed)
}

// TestOutboxKeepsEventsWhileRedisIsDown: creates succeed while Redis is
// unreachable, because events only need the database; once Redis is back,
// the relay delivers every one of them.
func TestOutboxKeepsEventsWhileRedisIsDown(t *testing.T) {
	t.Parallel()

	server := redistest.StartServer(t)
	svc := startService(t, outboxEnv(server.URL(), "", newDatabase(t))...)

	for range 5 {
		require.Equal(t, http.StatusCreated, svc.create(t, "1.00"))
	}

	svc.waitRevenue(t, 5, "5.00")

	server.Kill()
	waitFor(t, 15*time.Second, "/readyz answers 503", func() bool {
		return svc.status("/readyz") == http.StatusServiceUnavailable
	})

	for range 20 {
		require.Equal(t, http.StatusCreated, svc.create(t, "1.00"), "a create needs only the database")
	}

	server.Start()
	waitFor(t, 15*time.Second, "/readyz answers 200 again", func() bool {
		return svc.status("/readyz") == http.StatusOK
	})

	svc.waitRevenueWithin(t, time.Minute, 25, "25.00")
}

// TestOutboxEventsWaitForTheFirstWorker: invoices created while only the
// API runs are all processed once a worker starts.
func TestOutboxEventsWaitForTheFirstWorker(t *testing.T) {
	t.Parallel()

	url, prefix := redistest.URL(t), redistest.Prefix(t)
	env := outboxEnv(url, prefix, newDatabase(t))

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

// reportPending logs how many messages the killed worker's consumers held,
// which the survivors must claim.
func reportPending(t *testing.T, url, prefix string, pid int) {
	t.Helper()

	client := redistest.Client(t, url)
	pending, err := client.XPending(context.Background(), prefix+domain.InvoiceStream, "revenue-projection").Result()
	if err != nil {
		t.Logf("pending of the killed worker: %v", err)

		return
	}

	held := int64(0)
	for consumer, count := range pending.Consumers {
		if strings.Contains(consumer, "-"+strconv.Itoa(pid)+"-") {
			held += count
		}
	}

	t.Logf("the killed worker (pid %d) held %d pending messages", pid, held)
}
