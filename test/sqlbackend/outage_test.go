package sqlbackend_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/internal/pgtest"
)

// While the database is down /readyz answers 503; when it is back the
// service recovers by itself and nothing committed before is lost.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()

	// A server of its own, since this test stops it.
	server, err := pgtest.StartServer()
	if err != nil {
		t.Skipf("no private PostgreSQL for the outage test: %v", err)
	}
	t.Cleanup(server.Remove)

	svc := startService(t, server.URL, "serve", "SQL_POLL_INTERVAL=200ms")
	l := newLedger()
	require.NoError(t, workload(svc.url, 30, 4, l))
	waitRevenue(t, svc.url, l, 30*time.Second)

	require.NoError(t, server.Stop())
	waitFor(t, 30*time.Second, "/readyz to answer 503", func() bool { return readyz(svc.url) == http.StatusServiceUnavailable })

	require.NoError(t, server.Start())
	waitFor(t, 30*time.Second, "/readyz to answer 200", func() bool { return readyz(svc.url) == http.StatusOK })

	require.NoError(t, workload(svc.url, 30, 4, l))
	waitRevenue(t, svc.url, l, 30*time.Second)
}

func readyz(url string) int {
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()

	return resp.StatusCode
}
