package sqlbackend_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/internal/pgtest"
	"github.com/millrace/millrace/test/harness"
)

const (
	eventsStored  = `SELECT count(*) FROM watermill_invoices`
	eventsApplied = `SELECT count(*) FROM processed_events WHERE handler = 'revenue-projection'`
)

// An API and two workers; one worker is killed with SIGKILL mid-stream,
// losing its uncommitted batch, which the other workers read again: the
// totals stay exact, every event is applied once, and replay recomputes
// the same figures.
func TestWorkerKilledMidStreamAndRestarted(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)

	api := startService(t, db, "api")
	worker := startService(t, db, "worker")
	startService(t, db, "worker")

	l := newLedger()
	done := make(chan error, 1)
	go func() { done <- workload(api.URL, 1000, 16, l) }()

	harness.WaitFor(t, time.Minute, "the worker to apply 300 events", func() bool {
		return count(t, db, eventsApplied) >= 300
	})
	worker.Kill()

	startService(t, db, "worker")
	require.NoError(t, <-done)

	waitRevenue(t, api.URL, l, time.Minute)
	require.Equal(t, count(t, db, eventsStored), count(t, db, eventsApplied), "every event applied once")

	replayKeepsTotals(t, db, api.URL, l)
}

// Two workers of one consumer group share the stream: every event is
// applied once and the totals are exact.
func TestTwoWorkersInOneGroup(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)

	api := startService(t, db, "api")
	startService(t, db, "worker")
	startService(t, db, "worker")

	l := newLedger()
	require.NoError(t, workload(api.URL, 1000, 16, l))

	waitRevenue(t, api.URL, l, time.Minute)
	require.Equal(t, count(t, db, eventsStored), count(t, db, eventsApplied), "every event applied once")

	replayKeepsTotals(t, db, api.URL, l)
}

// Events written while no worker runs wait in the table; the first worker
// to start processes all of them, and replay leaves the totals unchanged.
func TestEventsWaitForAWorker(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)

	api := startService(t, db, "api")
	l := newLedger()
	require.NoError(t, workload(api.URL, 200, 8, l))
	require.Zero(t, count(t, db, eventsApplied), "no worker runs yet")

	startService(t, db, "worker")
	waitRevenue(t, api.URL, l, time.Minute)

	replayKeepsTotals(t, db, api.URL, l)
}

// Rows the worker cannot read go to the poison topic with the reason; the
// events around them are processed, and replay skips them the same way.
func TestUnreadableRowsArePoisoned(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)

	api := startService(t, db, "api")
	l := newLedger()
	require.NoError(t, workload(api.URL, 50, 4, l))

	count(t, db, `WITH bad AS (
		INSERT INTO watermill_invoices (uuid, payload, metadata, transaction_id) VALUES
			(gen_random_uuid()::text, 'not json'::bytea, '{"name":"invoice.created"}', pg_current_xact_id()),
			(gen_random_uuid()::text, '{}'::bytea, '{"name":"invoice.bogus"}', pg_current_xact_id()),
			(gen_random_uuid()::text, '{}'::bytea, '[1,2]', pg_current_xact_id()),
			(gen_random_uuid()::text, '{}'::bytea, '{"name":5}', pg_current_xact_id())
		RETURNING 1) SELECT count(*) FROM bad`)
	require.NoError(t, workload(api.URL, 50, 4, l))

	startService(t, db, "worker")
	waitRevenue(t, api.URL, l, time.Minute)
	harness.WaitFor(t, time.Minute, "the four bad rows in the poison topic", func() bool {
		return count(t, db, `SELECT count(*) FROM watermill_poison WHERE metadata->>'reason_poisoned' <> ''`) == 4
	})

	reasons := count(t, db, `SELECT count(*) FROM watermill_poison
		WHERE metadata->>'reason_poisoned' LIKE '%unreadable message%'`)
	require.EqualValues(t, 4, reasons, "each poisoned row says why, and none was retried")

	replayKeepsTotals(t, db, api.URL, l)
}

// A configuration or a database the process cannot use stops it at start
// with one line naming the problem.
func TestStartupErrors(t *testing.T) {
	t.Parallel()

	out, err := runCommand(t, "", "serve")
	require.Error(t, err)
	require.Contains(t, lastLine(out), "DATABASE_URL is required with BACKEND=sql")

	out, err = runCommand(t, "postgres://postgres@127.0.0.1:1/none", "serve", "DATABASE_CONNECT_TIMEOUT=2s")
	require.Error(t, err)
	require.Contains(t, lastLine(out), "DATABASE_URL=postgres://postgres@127.0.0.1:1/none")
	require.Contains(t, lastLine(out), "unreachable")
}

func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")

	return lines[len(lines)-1]
}

// A replay that runs while commands and the worker are busy takes the
// consumer group's lock: events it saw are not applied again by the
// worker, events committed after it are, and the totals end exact.
func TestReplayDuringTraffic(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)

	api := startService(t, db, "api")
	startService(t, db, "worker")

	l := newLedger()
	done := make(chan error, 1)
	go func() { done <- workload(api.URL, 600, 8, l) }()

	harness.WaitFor(t, time.Minute, "some events applied", func() bool { return count(t, db, eventsApplied) >= 100 })
	out, err := runCommand(t, db, "replay")
	require.NoError(t, err, out)
	require.NoError(t, <-done)

	waitRevenue(t, api.URL, l, time.Minute)
	require.Equal(t, count(t, db, eventsStored), count(t, db, eventsApplied), "every event applied once")
}

// replayKeepsTotals rebuilds the projection from the event log and checks
// that the totals are still l's.
func replayKeepsTotals(t *testing.T, db, apiURL string, l *ledger) {
	t.Helper()

	out, err := runCommand(t, db, "replay", "LOG_LEVEL=info")
	require.NoError(t, err, out)
	t.Log(out)
	waitRevenue(t, apiURL, l, time.Second)
}
