package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolConfig tunes the connection pool.
type PoolConfig struct {
	// MaxConns bounds the pool; 0 keeps pgx's default.
	MaxConns int32
	// ConnectTimeout bounds the first connection at start.
	ConnectTimeout time.Duration
}

// Connect opens a pool on url and checks that the database answers, so a
// wrong URL or a database that is down stops the process at start.
func Connect(ctx context.Context, url string, cfg PoolConfig) (*pgxpool.Pool, error) {
	poolCfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}

	if cfg.MaxConns > 0 {
		poolCfg.MaxConns = cfg.MaxConns
	}

	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}

	pingCtx := ctx
	if cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		pingCtx, cancel = context.WithTimeout(ctx, cfg.ConnectTimeout)
		defer cancel()
	}

	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()

		return nil, fmt.Errorf("database %s:%d/%s unreachable: %w",
			poolCfg.ConnConfig.Host, poolCfg.ConnConfig.Port, poolCfg.ConnConfig.Database, describe(err))
	}

	return pool, nil
}

// describe keeps the server's message of a PostgreSQL error and the first
// attempt of a connection error, which pgx lists on one line per address
// and TLS mode it tried, so the start-up error stays one line.
func describe(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr
	}

	return firstLine{err}
}

// firstLine shows the first two lines of err on one and still unwraps to
// it.
type firstLine struct{ err error }

func (e firstLine) Error() string {
	lines := strings.Split(e.err.Error(), "\n")
	if len(lines) > 2 {
		lines = lines[:2]
	}

	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}

	return strings.Join(lines, " ")
}

func (e firstLine) Unwrap() error { return e.err }
