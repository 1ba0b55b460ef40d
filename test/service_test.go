package test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// service is one running process of the service under test.
type service struct {
	URL  string
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
}

// startService starts the service with env (plus HTTP_ADDR on a free port)
// and args, waits until /readyz answers 200 and stops it at cleanup.
func startService(t *testing.T, env []string, args ...string) *service {
	t.Helper()

	addr := freeAddr(t)
	svc := &service{URL: "http://" + addr, logs: &syncBuffer{}, done: make(chan error, 1)}
	svc.cmd = exec.Command(binary, args...)
	svc.cmd.Env = append(baseEnv(), append(env, "HTTP_ADDR="+addr)...)
	svc.cmd.Stdout, svc.cmd.Stderr = svc.logs, svc.logs

	if err := svc.cmd.Start(); err != nil {
		t.Fatalf("start service: %v", err)
	}

	go func() { svc.done <- svc.cmd.Wait() }()
	t.Cleanup(func() {
		svc.Stop(t)
		if t.Failed() {
			t.Logf("service %s %v logs:\n%s", addr, args, svc.logs.String())
		}
	})

	svc.waitReady(t)

	return svc
}

func (s *service) waitReady(t *testing.T) {
	t.Helper()

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("service exited before it was ready: %v\n%s", err, s.logs.String())
		default:
		}

		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}

		time.Sleep(20 * time.Millisecond)
	}

	t.Fatalf("service not ready within 30s:\n%s", s.logs.String())
}

// Stop sends SIGTERM and waits for a clean exit; it kills the process if
// it does not exit in time. Stopping twice is harmless.
func (s *service) Stop(t *testing.T) {
	t.Helper()

	if s.cmd.ProcessState != nil {
		return
	}

	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			t.Errorf("service exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Errorf("service did not stop within 30s of SIGTERM")
	}
}

// Kill ends the process at once with SIGKILL, as a crash would.
func (s *service) Kill(t *testing.T) {
	t.Helper()

	_ = s.cmd.Process.Kill()
	err := <-s.done
	s.done <- err
}

// Logs is everything the process wrote so far.
func (s *service) Logs() string { return s.logs.String() }

// runCommand runs the service binary to completion (migrate, replay, ...)
// and returns its combined output.
func runCommand(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(baseEnv(), env...)
	out, err := cmd.CombinedOutput()

	return string(out), err
}

// baseEnv keeps only what a process needs from the test's environment, so
// a developer's own BACKEND or DATABASE_URL never leaks into a test.
func baseEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LOG_LEVEL=warn"}
}

func freeAddr(t *testing.T) string {
	t.Helper()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()

	return l.Addr().String()
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
