package redis_test

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

// postgresURL is the shared server's URL: $TEST_DATABASE_URL, or the local
// default.
func postgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}

	return "postgres://postgres@127.0.0.1:5432/test"
}

// newDatabase creates an empty database for t on the shared server and
// drops it when t ends. An unreachable server skips t, or fails it under
// CI=true.
func newDatabase(t *testing.T) string {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	admin, err := pgx.Connect(ctx, postgresURL())
	if err != nil {
		hint := "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s: %v; %s", postgresURL(), err, hint)
		}

		t.Skipf("PostgreSQL at %s: %v; %s", postgresURL(), err, hint)
	}
	defer admin.Close(ctx)

	name := "redis_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}

	t.Cleanup(func() { dropDatabase(t, name) })

	u, err := url.Parse(postgresURL())
	if err != nil {
		t.Fatalf("parse %s: %v", postgresURL(), err)
	}

	u.Path = "/" + name

	return u.String()
}

func dropDatabase(t *testing.T, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	admin, err := pgx.Connect(ctx, postgresURL())
	if err != nil {
		t.Logf("drop database %s: %v", name, err)

		return
	}
	defer admin.Close(ctx)

	if _, err := admin.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
		t.Logf("drop database %s: %v", name, err)
	}
}
