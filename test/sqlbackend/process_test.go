package sqlbackend_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/internal/pgtest"
)

// binary is the service built once for the package's tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "millrace-sql-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	binary = filepath.Join(dir, "millrace")
	build := exec.Command("go", "build", "-o", binary, "../..")
	build.Stderr = os.Stderr

	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build service:", err)
		os.Exit(1)
	}

	code := pgtest.Main(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// service is one running process of the binary.
type service struct {
	t   *testing.T
	cmd *exec.Cmd
	url string
	out *syncBuffer
}

// startService runs role against the database and waits until it answers
// /healthz. It is stopped with SIGTERM when the test ends.
func startService(t *testing.T, dbURL, role string, env ...string) *service {
	t.Helper()

	addr := freeAddr(t)
	out := &syncBuffer{}
	cmd := exec.Command(binary, role)
	cmd.Env = append(os.Environ(), append([]string{
		"BACKEND=sql",
		"DATABASE_URL=" + dbURL,
		"HTTP_ADDR=" + addr,
		"LOG_LEVEL=warn",
		"HANDLER_RETRY_INTERVAL=10ms",
	}, env...)...)
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())

	s := &service{t: t, cmd: cmd, url: "http://" + addr, out: out}
	t.Cleanup(s.stop)

	waitFor(t, 20*time.Second, "the "+role+" process to answer /healthz", func() bool {
		resp, err := http.Get(s.url + "/healthz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()

		return resp.StatusCode == http.StatusOK
	})

	return s
}

// kill ends the process with SIGKILL: no shutdown step runs.
func (s *service) kill() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

func (s *service) stop() {
	if s.cmd.ProcessState != nil {
		return
	}

	_ = s.cmd.Process.Signal(syscall.SIGTERM)

	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()

	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.t.Errorf("process did not stop after SIGTERM; output:\n%s", s.out.String())
		s.kill()
	}
}

// runCommand runs a one-shot role such as replay and returns its output.
func runCommand(t *testing.T, dbURL, role string, env ...string) (string, error) {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, binary, role)
	cmd.Env = append(os.Environ(), append([]string{"BACKEND=sql", "DATABASE_URL=" + dbURL, "LOG_LEVEL=warn"}, env...)...)
	out, err := cmd.CombinedOutput()

	return string(out), err
}

func freeAddr(t *testing.T) string {
	t.Helper()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	return addr
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()

	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}

		time.Sleep(20 * time.Millisecond)
	}
}

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
