package pgtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// Server is a throwaway PostgreSQL cluster owned by one test binary.
//
// Tests use one because watermill-sql's subscriber reads only rows older
// than the oldest transaction running anywhere on the server, in any
// database: on a shared server, another suite's open transaction stalls
// every subscriber. A private server also lets tests stop and start it. It
// keeps PostgreSQL's default durability (fsync, synchronous commit), so
// benchmarks on it measure real commits.
type Server struct {
	URL  string
	dir  string
	bin  string
	port int
}

// StartServer initialises and starts a cluster on a free port. It needs
// PostgreSQL's server binaries (PGTEST_BINDIR, or the newest under
// /usr/lib/postgresql); as root it runs them as the postgres user.
func StartServer() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}

	dir, err := os.MkdirTemp("", "pgtest")
	if err != nil {
		return nil, err
	}

	port, err := freePort()
	if err != nil {
		return nil, err
	}

	s := &Server{dir: dir, bin: bin, port: port,
		URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}

	if err := s.own(); err != nil {
		return nil, err
	}

	if err := s.run("initdb", "-D", s.data(), "-U", "postgres", "-A", "trust", "--no-sync"); err != nil {
		return nil, err
	}

	return s, s.Start()
}

// Start starts the stopped server on its port.
func (s *Server) Start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1"+
		" -c max_connections=300 -c shared_buffers=64MB", s.port, s.dir)

	return s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "log"), "-o", opts, "-w", "start")
}

// Stop stops the server, ending every session as a lost connection would.
func (s *Server) Stop() error {
	return s.run("pg_ctl", "-D", s.data(), "-m", "fast", "-w", "stop")
}

// Remove stops the server and deletes its files.
func (s *Server) Remove() {
	_ = s.Stop()
	_ = os.RemoveAll(s.dir)
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

func (s *Server) run(tool string, args ...string) error {
	cmd := exec.Command(filepath.Join(s.bin, tool), args...)
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(s.bin, tool)}, args...)...)
	}

	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", tool, err, strings.TrimSpace(string(out)))
	}

	return nil
}

// own hands the directory to the postgres user when running as root,
// since PostgreSQL refuses to run as root.
func (s *Server) own() error {
	if os.Geteuid() != 0 {
		return nil
	}

	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs a postgres user: %w", err)
	}

	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)

	return os.Chown(s.dir, uid, gid)
}

func binDir() (string, error) {
	if dir := os.Getenv("PGTEST_BINDIR"); dir != "" {
		return dir, nil
	}

	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return "", errors.New("no PostgreSQL server binaries: set PGTEST_BINDIR")
	}

	return filepath.Dir(matches[len(matches)-1]), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()

	return l.Addr().(*net.TCPAddr).Port, nil
}
