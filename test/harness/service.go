package harness

import (
	"net/http"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Service is one running process of the service.
type Service struct {
	URL  string
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
}

// Start runs the service with env (plus HTTP_ADDR on a free port) and
// args, waits until /readyz answers 200 and stops it when t ends, showing
// its logs if t failed.
func (b Binary) Start(t testing.TB, env []string, args ...string) *Service {
	t.Helper()

	addr := FreeAddr(t)
	s := &Service{URL: "http://" + addr, logs: &syncBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(string(b), args...)
	s.cmd.Env = Env(append(env, "HTTP_ADDR="+addr)...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs

	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start service: %v", err)
	}

	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.Stop(t)
		if t.Failed() {
			t.Logf("service %s %v logs:\n%s", addr, args, s.logs.String())
		}
	})

	WaitFor(t, 30*time.Second, "/readyz of "+addr, func() bool {
		if s.Exited() {
			t.Fatalf("service exited before it was ready: %v\n%s", s.Wait(), s.logs.String())
		}

		return Get(s.URL+"/readyz") == http.StatusOK
	})

	return s
}

// Exited reports whether the process has ended.
func (s *Service) Exited() bool {
	select {
	case err := <-s.done:
		s.done <- err

		return true
	default:
		return false
	}
}

// Wait waits for the process to end and returns how it ended.
func (s *Service) Wait() error {
	err := <-s.done
	s.done <- err

	return err
}

// Pid is the process's ID.
func (s *Service) Pid() int { return s.cmd.Process.Pid }

// Signal sends sig to the process.
func (s *Service) Signal(sig syscall.Signal) error {
	return s.cmd.Process.Signal(sig)
}

// Stop sends SIGTERM and waits for a clean exit, failing t otherwise; it
// kills the process that does not exit in time. Stopping twice is harmless.
func (s *Service) Stop(t testing.TB) {
	t.Helper()

	if s.Exited() {
		return
	}

	// SIGCONT first: a test may have frozen the process with SIGSTOP.
	_ = s.Signal(syscall.SIGCONT)
	_ = s.Signal(syscall.SIGTERM)
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
func (s *Service) Kill() {
	_ = s.cmd.Process.Kill()
	_ = s.Wait()
}

// Logs is everything the process wrote so far.
func (s *Service) Logs() string { return s.logs.String() }
