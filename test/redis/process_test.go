package redis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/internal/pgtest"
)

// binary is the service, built once for the package's tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "redis-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	binary = filepath.Join(dir, "service")
	build := exec.Command("go", "build", "-o", binary, "../..")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build service:", err)
		os.Exit(1)
	}

	// A private PostgreSQL for the outbox tests: watermill-sql readers on a
	// shared server are stalled by other suites' open transactions.
	code := pgtest.Main(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// service is one running process of the binary.
type service struct {
	URL  string
	cmd  *exec.Cmd
	logs *syncBuffer
}

// startService runs the all-in-one role; see startRole.
func startService(t *testing.T, env ...string) *service {
	t.Helper()

	return startRole(t, "serve", env...)
}

// startRole runs the binary's role with env on a free port and waits until
// it answers /healthz. It is stopped with SIGTERM when the test ends.
func startRole(t *testing.T, role string, env ...string) *service {
	t.Helper()

	addr := freeAddr(t)
	logs := &syncBuffer{}
	cmd := exec.Command(binary, role)
	cmd.Env = append(os.Environ(), append(env, "HTTP_ADDR="+addr, "LOG_LEVEL=warn")...)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())

	s := &service{URL: "http://" + addr, cmd: cmd, logs: logs}
	t.Cleanup(func() {
		stop(cmd)
		if t.Failed() {
			t.Logf("%s output:\n%s", role, logs.String())
		}
	})

	waitFor(t, 15*time.Second, "service answers /healthz", func() bool {
		return s.status("/healthz") == http.StatusOK
	})

	return s
}

// stop asks the process to shut down, and kills it when it has not within
// 30 seconds, so a hung process cannot hang the test run.
func stop(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()

	_ = cmd.Process.Signal(syscall.SIGCONT)
	_ = cmd.Process.Signal(syscall.SIGTERM)

	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// kill ends the process with SIGKILL, as a crash would.
func (s *service) kill(t *testing.T) {
	t.Helper()

	require.NoError(t, s.cmd.Process.Kill())
}

func (s *service) status(path string) int {
	resp, err := http.Get(s.URL + path)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()

	return resp.StatusCode
}

// create posts an invoice and returns the status code.
func (s *service) create(t *testing.T, amount string) int {
	t.Helper()

	body := fmt.Sprintf(`{"customer_id":"c-1","amount":%q,"currency":"EUR","issued_at":"2026-11-05T10:00:00Z"}`, amount)
	resp, err := http.Post(s.URL+"/invoices", "application/json", strings.NewReader(body))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()

	return resp.StatusCode
}

type revenueTotal struct {
	Currency string `json:"currency"`
	Billed   string `json:"billed"`
	Invoices int64  `json:"invoices"`
}

// revenue is the EUR total, zero when there is none yet.
func (s *service) revenue(t *testing.T) revenueTotal {
	t.Helper()

	resp, err := http.Get(s.URL + "/revenue")
	require.NoError(t, err)
	defer resp.Body.Close()

	var body struct{ Totals []revenueTotal }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	for _, total := range body.Totals {
		if total.Currency == "EUR" {
			return total
		}
	}

	return revenueTotal{}
}

// waitRevenue waits up to 30s until the projection counts invoices worth
// billed.
func (s *service) waitRevenue(t *testing.T, invoices int64, billed string) {
	t.Helper()

	s.waitRevenueWithin(t, 30*time.Second, invoices, billed)
}

func (s *service) waitRevenueWithin(t *testing.T, within time.Duration, invoices int64, billed string) {
	t.Helper()

	var last revenueTotal
	deadline := time.Now().Add(within)
	for {
		last = s.revenue(t)
		if last.Invoices == invoices && last.Billed == billed {
			return
		}

		if time.Now().After(deadline) {
			t.Fatalf("revenue is %+v, want %d invoices billing %s", last, invoices, billed)
		}

		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()

	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", within, what)
		}

		time.Sleep(20 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()

	return l.Addr().String()
}

// runOnce runs the binary's role (the default one when empty) to its end
// and returns its output and error.
func runOnce(t *testing.T, role string, env ...string) (string, error) {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var args []string
	if role != "" {
		args = append(args, role)
	}

	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()

	return string(out), err
}

// syncBuffer collects a process's output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.String()
}

func discardLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}
