package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/adapters/postgres"
	"github.com/millrace/millrace/internal/pgtest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func connect(t *testing.T) *pgxpool.Pool {
	t.Helper()

	pool, err := postgres.Connect(context.Background(), pgtest.NewDatabase(t), postgres.PoolConfig{MaxConns: 10})
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	return pool
}

// Processes that start together all migrate; the advisory lock makes them
// take turns, so each migration runs once and none fails.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	pool := connect(t)

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = postgres.Migrate(context.Background(), pool, quiet())
		}()
	}
	wg.Wait()

	for _, err := range errs {
		require.NoError(t, err)
	}

	var applied int
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied))
	require.Equal(t, 3, applied)
}

// The migrations create Watermill's tables exactly as watermill-sql's
// adapters would, so the library can be upgraded knowingly.
func TestMigrationsMatchWatermillLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	migrated := connect(t)
	require.NoError(t, postgres.Migrate(ctx, migrated, quiet()))

	initialised := connect(t)
	sub, err := wsql.NewSubscriber(wsql.BeginnerFromPgx(initialised), wsql.SubscriberConfig{
		SchemaAdapter: wsql.DefaultPostgreSQLSchema{
			GeneratePayloadType: func(string) string { return "BYTEA" },
		},
		OffsetsAdapter: wsql.DefaultPostgreSQLOffsetsAdapter{},
	}, watermill.NopLogger{})
	require.NoError(t, err)
	require.NoError(t, sub.SubscribeInitialize("invoices"))
	require.NoError(t, sub.SubscribeInitialize("outbox"))
	require.NoError(t, sub.Close())

	for _, table := range []string{"watermill_invoices", "watermill_offsets_invoices",
		"watermill_outbox", "watermill_offsets_outbox"} {
		require.Equal(t, layout(t, initialised, table), layout(t, migrated, table), table)
	}
}

// layout lists a table's columns and primary key.
func layout(t *testing.T, pool *pgxpool.Pool, table string) string {
	t.Helper()

	rows, err := pool.Query(context.Background(), `
		SELECT column_name, data_type, is_nullable, coalesce(column_default, '')
		FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, table)
	require.NoError(t, err)
	defer rows.Close()

	var cols []string
	for rows.Next() {
		var name, typ, nullable, def string
		require.NoError(t, rows.Scan(&name, &typ, &nullable, &def))
		cols = append(cols, fmt.Sprintf("%s %s %s %s", name, typ, nullable, def))
	}
	require.NoError(t, rows.Err())

	var pk string
	require.NoError(t, pool.QueryRow(context.Background(), `
		SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey, a.attnum))
		FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
		WHERE i.indrelid = $1::regclass AND i.indisprimary`, table).Scan(&pk))

	return strings.Join(cols, "\n") + "\nprimary key " + pk
}
