// Package pgtest gives each test its own PostgreSQL database, so tests can
// run in parallel and leave nothing behind. The server is the one named by
// TEST_DATABASE_URL (default: the development machine's shared one); a
// test binary may start a private one with Main.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// DefaultURL is the development machine's PostgreSQL.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test"

// startHint says how to start the server when it cannot be reached.
const startHint = "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

// Main runs a test binary's tests against a private server, when
// PostgreSQL's binaries are at hand and TEST_DATABASE_URL names no server;
// otherwise against the shared one. Call it from TestMain.
func Main(m interface{ Run() int }) int {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		return m.Run()
	}

	server, err := StartServer()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: no private PostgreSQL (%v); using %s\n", err, DefaultURL)

		return m.Run()
	}
	defer server.Remove()

	os.Setenv("TEST_DATABASE_URL", server.URL)

	return m.Run()
}

// BaseURL is the server the tests use.
func BaseURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}

	return DefaultURL
}

// NewDatabase creates an empty database for t, drops it when t ends and
// returns its URL. Without a server it skips t, or fails it when CI=true.
func NewDatabase(t testing.TB) string {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	admin, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s is unreachable (%v); %s", BaseURL(), err, startHint)
		}

		t.Skipf("PostgreSQL at %s is unreachable (%v); %s", BaseURL(), err, startHint)
	}
	defer admin.Close(ctx)

	name := "millrace_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}

	t.Cleanup(func() { drop(t, name) })

	u, err := url.Parse(BaseURL())
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}

	u.Path = "/" + name

	return u.String()
}

func drop(t testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	admin, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		t.Errorf("drop database %s: %v", name, err)

		return
	}
	defer admin.Close(ctx)

	// FORCE ends sessions a killed child process may have left behind.
	if _, err := admin.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
		t.Errorf("drop database %s: %v", name, err)
	}
}
