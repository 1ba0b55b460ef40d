// Package redistest gives tests a Redis to talk to: the shared server (a
// URL and a key prefix of their own) or a private redis-server they may
// stop and start.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startHint is how to start the shared server, as DESIGN.md says.
const startHint = `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" ` +
	`--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log`

// URL is the shared server's URL: $REDIS_URL, or the local default. A
// server that does not answer skips the test, or fails it under CI=true.
func URL(t testing.TB) string {
	t.Helper()

	url := sharedURL()

	if err := ping(url); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis at %s: %v", url, err)
		}

		t.Skipf("redis at %s: %v; start it with: %s", url, err, startHint)
	}

	return url
}

// Client connects to url and closes the client when the test ends.
func Client(t testing.TB, url string) *redis.Client {
	t.Helper()

	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}

	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })

	return client
}

// Prefix is a stream prefix no other test uses, so tests share a server.
// The shared server's keys under it are deleted when the test ends.
func Prefix(t testing.TB) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	prefix := fmt.Sprintf("test:%s:%d:", name, time.Now().UnixNano())
	t.Cleanup(func() { deleteKeys(sharedURL(), prefix) })

	return prefix
}

func sharedURL() string {
	if url := os.Getenv("REDIS_URL"); url != "" {
		return url
	}

	return "redis://127.0.0.1:6379/0"
}

// deleteKeys removes every key under prefix, quietly: a server that went
// away has nothing left to clean.
func deleteKeys(url, prefix string) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return
	}

	client := redis.NewClient(opts)
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		_ = client.Del(ctx, iter.Val()).Err()
	}
}

func ping(url string) error {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return err
	}

	opts.DialerRetries = 1
	client := redis.NewClient(opts)
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	return client.Ping(ctx).Err()
}

// Server is a private redis-server on a free port.
type Server struct {
	t    testing.TB
	port int
	dir  string
	cmd  *exec.Cmd
}

// StartServer starts a private redis-server, skipping the test (failing it
// under CI=true) when the binary is missing. It is stopped when the test
// ends.
func StartServer(t testing.TB) *Server {
	t.Helper()

	requireRedisServer(t)

	s := &Server{t: t, port: freePort(t), dir: t.TempDir()}
	s.Start()
	t.Cleanup(s.Kill)

	return s
}

// requireRedisServer skips t when redis-server is not installed, or fails
// it under CI=true.
func requireRedisServer(t testing.TB) {
	t.Helper()

	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found: %v", err)
		}

		t.Skipf("redis-server not found (apt-get install redis-server): %v", err)
	}
}

// URL is the private server's URL.
func (s *Server) URL() string {
	return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port)
}

// Start runs the server (again) on its port and waits until it answers.
// It keeps no data across restarts, like a Redis that lost its memory.
func (s *Server) Start() {
	s.t.Helper()

	s.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", fmt.Sprint(s.port),
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}

	deadline := time.Now().Add(10 * time.Second)
	for ping(s.URL()) != nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("private redis-server on port %d did not answer within 10s", s.port)
		}

		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the server at once, as a crash would.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}

	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func freePort(t testing.TB) int {
	t.Helper()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()

	return l.Addr().(*net.TCPAddr).Port
}

// PersistentServer is a private, daemonized redis-server that writes every
// change to its append-only file, so it keeps its data across restarts.
type PersistentServer struct {
	port int
	args []string
}

// StartPersistentServer starts a PersistentServer, shut down when the test
// ends.
func StartPersistentServer(t testing.TB) *PersistentServer {
	t.Helper()

	requireRedisServer(t)

	dir := t.TempDir()
	s := &PersistentServer{port: freePort(t)}
	s.args = []string{"--bind", "127.0.0.1", "--port", fmt.Sprint(s.port), "--dir", dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "yes",
		"--logfile", dir + "/redis.log"}

	if out, err := exec.Command("redis-server", s.args...).CombinedOutput(); err != nil {
		t.Fatalf("start redis-server: %v: %s", err, out)
	}

	t.Cleanup(func() {
		_ = exec.Command("redis-cli", "-p", fmt.Sprint(s.port), "shutdown", "nosave").Run()
	})

	deadline := time.Now().Add(10 * time.Second)
	for ping(s.URL()) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("private redis-server on port %d did not answer within 10s", s.port)
		}

		time.Sleep(20 * time.Millisecond)
	}

	return s
}

// URL is the server's URL.
func (s *PersistentServer) URL() string {
	return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port)
}

// RestartCommand shuts the server down (flushing its append-only file) and
// starts it again on the same port.
func (s *PersistentServer) RestartCommand() []string {
	return []string{"bash", "-c", fmt.Sprintf(
		`redis-cli -p %d shutdown && sleep 0.5 && redis-server %s`,
		s.port, shellQuote(s.args))}
}

func shellQuote(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}

	return strings.Join(quoted, " ")
}
