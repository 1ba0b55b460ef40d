package test

import (
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestGracefulShutdown: a request in flight when SIGTERM arrives still gets
// its answer, the process then exits 0, and new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()

	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()

			gracefulShutdown(t, startService(t, append(b.env(t), "LOG_LEVEL=info")))
		})
	}
}

func gracefulShutdown(t *testing.T, svc *service) {
	// The body arrives in two halves, with SIGTERM in between, so the
	// request is provably in flight while the shutdown starts.
	body, writer := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, svc.URL+"/invoices", body)
	require.NoError(t, err)
	req.ContentLength = -1

	answered := make(chan *http.Response, 1)
	failed := make(chan error, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			failed <- err

			return
		}
		answered <- resp
	}()

	_, err = io.WriteString(writer, `{"customer_id":"acme",`)
	require.NoError(t, err)
	// Connections are accepted in order: once a later one is served,
	// the server holds ours.
	status, _, _ := call(t, http.MethodGet, svc.URL+"/healthz", nil)
	require.Equal(t, http.StatusOK, status)

	require.NoError(t, svc.cmd.Process.Signal(syscall.SIGTERM))
	waitUntil(t, 10*time.Second, func() bool { return strings.Contains(svc.Logs(), "draining HTTP requests") })

	_, err = io.WriteString(writer, `"amount":"1.00","currency":"EUR"}`)
	require.NoError(t, err)
	require.NoError(t, writer.Close())

	select {
	case resp := <-answered:
		_ = resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode)
	case err := <-failed:
		t.Fatalf("the in-flight request was cut off: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("no answer within 20s")
	}

	select {
	case err := <-svc.done:
		svc.done <- err
		require.NoError(t, err, "exit status after SIGTERM")
	case <-time.After(30 * time.Second):
		t.Fatal("no exit within 30s of SIGTERM")
	}

	_, err = client.Get(svc.URL + "/healthz")
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
}

// waitUntil polls cond until it holds or within passes.
func waitUntil(t testing.TB, within time.Duration, cond func() bool) {
	t.Helper()

	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}

		time.Sleep(10 * time.Millisecond)
	}
}
