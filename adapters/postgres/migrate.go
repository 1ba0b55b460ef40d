package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockID is the advisory lock that serialises migrations, so
// processes that start together apply each migration once. Any constant
// works as long as every version of the service uses the same one.
const migrationLockID = 7_351_924_880_113

// Migrate applies every pending migration under a session advisory lock
// and logs each one applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}

	// Poll the lock every second for up to ten minutes: a peer holding it
	// is applying the same migrations and will be done soon.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 600))
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}

	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()

	provider, err := goose.NewProvider(goose.DialectPostgres, db, sub,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(logger),
	)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}

	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	for _, r := range results {
		logger.InfoContext(ctx, "migration applied", "version", r.Source.Version, "duration", r.Duration)
	}

	return nil
}
