package test

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/millrace/millrace/internal/pgtest"
	"github.com/millrace/millrace/internal/redistest"
	"github.com/millrace/millrace/test/harness"
)

// backend is one way to run the service. Every scenario runs once per
// entry, so a new backend adds itself here and gets them all.
type backend struct {
	name string
	// env returns the environment of a fresh service with its own data
	// (database, schema or key prefix). It fails or skips the test when the
	// backend's server cannot be reached; see requireServer.
	env func(t *testing.T) []string
	// readYourWrites is true when a response is sent only after every
	// handler ran, so revenue is current the moment a command returns.
	readYourWrites bool
}

var backends = []backend{
	{
		name:           "memory-sync",
		env:            func(*testing.T) []string { return []string{"BACKEND=memory", "MEMORY_DELIVERY=sync"} },
		readYourWrites: true,
	},
	{
		name: "memory-async",
		env:  func(*testing.T) []string { return []string{"BACKEND=memory", "MEMORY_DELIVERY=async"} },
	},
	{
		// A fresh database per service; pgtest skips or fails (CI=true)
		// when PostgreSQL cannot be reached.
		name: "sql",
		env: func(t *testing.T) []string {
			return []string{"BACKEND=sql", "DATABASE_URL=" + pgtest.NewDatabase(t)}
		},
	},
	{
		// Redis Streams, invoices in memory: events published directly.
		name: "redis",
		env:  func(t *testing.T) []string { return redisEnv(t) },
	},
	{
		// Redis Streams fed by the PostgreSQL outbox.
		name: "redis-outbox",
		env: func(t *testing.T) []string {
			return append(redisEnv(t), "DATABASE_URL="+pgtest.NewDatabase(t), "DATABASE_MAX_CONNS=5")
		},
	},
}

// redisEnv is BACKEND=redis on the shared server, with streams of the
// test's own.
func redisEnv(t *testing.T) []string {
	t.Helper()

	requireServer(t, "Redis", "127.0.0.1:6379", redisStartHint)

	return []string{"BACKEND=redis", "REDIS_URL=redis://127.0.0.1:6379/0",
		"REDIS_STREAM_PREFIX=" + redistest.Prefix(t)}
}

const redisStartHint = `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" ` +
	`--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log`

// forEachBackend runs scenario as a subtest per backend, each on a fresh
// service of its own.
func forEachBackend(t *testing.T, scenario func(t *testing.T, b backend, svc *harness.Service)) {
	t.Helper()

	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()

			scenario(t, b, binary.Start(t, b.env(t)))
		})
	}
}

// requireServer dials addr and, when nothing answers, skips the test with
// how to start the server, or fails it under CI=true, where a missing
// server is a broken pipeline rather than a developer's choice.
func requireServer(t *testing.T, what, addr, howToStart string) {
	t.Helper()

	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		_ = conn.Close()

		return
	}

	msg := what + " is not reachable at " + addr + " (" + err.Error() + "); start it with: " + howToStart
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}

	t.Skip(msg)
}
