// Package harness builds the service and runs it as processes for the
// black-box suites: start, stop with SIGTERM, kill with SIGKILL, run a
// one-shot role. Every suite drives the same binary the same way.
package harness

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
	"testing"
	"time"

	"github.com/millrace/millrace/internal/pgtest"
)

// Binary is the path of a built service.
type Binary string

// Build compiles the module at root (a relative path such as "..") into a
// temporary directory, with the race detector when race is set. The
// returned function removes it.
func Build(root string, race bool) (Binary, func(), error) {
	dir, err := os.MkdirTemp("", "service-under-test-")
	if err != nil {
		return "", nil, fmt.Errorf("temp dir: %w", err)
	}

	path := filepath.Join(dir, "service")
	args := []string{"build", "-o", path}
	if race {
		args = append(args, "-race")
	}

	build := exec.Command("go", append(args, root)...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		_ = os.RemoveAll(dir)

		return "", nil, fmt.Errorf("build the service: %w", err)
	}

	return Binary(path), func() { _ = os.RemoveAll(dir) }, nil
}

// Main builds the service from root, hands it to use, runs the package's
// tests (on a private PostgreSQL when one can be started; see pgtest.Main)
// and removes the build. It returns the exit code for os.Exit.
func Main(m *testing.M, root string, race bool, use func(Binary)) int {
	binary, remove, err := Build(root, race)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)

		return 2
	}
	defer remove()

	use(binary)

	return pgtest.Main(m)
}

// Env keeps only what a process needs from the test's environment, so a
// developer's own BACKEND or DATABASE_URL never leaks into a test; env
// comes after and wins.
func Env(env ...string) []string {
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LOG_LEVEL=warn"}

	return append(base, env...)
}

// Run runs a one-shot role (migrate, replay, ...) to completion and
// returns its combined output.
func (b Binary) Run(t testing.TB, env []string, args ...string) (string, error) {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, string(b), args...)
	cmd.Env = Env(env...)
	out, err := cmd.CombinedOutput()

	return string(out), err
}

// FreeAddr is a loopback address with a port nothing listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()

	return l.Addr().String()
}

// WaitFor polls cond until it holds, failing t once within has passed.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()

	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}

		time.Sleep(20 * time.Millisecond)
	}
}

// Get answers a GET's status, or 0 when nothing answered.
func Get(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()

	return resp.StatusCode
}

// syncBuffer collects a process's output safely across goroutines.
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
