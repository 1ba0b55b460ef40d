package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// CheckTopics reports every topic whose message or offset table is
// missing, so a topic without a migration stops the process at start
// rather than failing at its first publish.
func CheckTopics(ctx context.Context, pool *pgxpool.Pool, topics ...string) error {
	var missing []error

	for _, topic := range topics {
		for _, table := range []string{messagesTable(topic), offsetsTable(topic)} {
			var found bool
			if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&found); err != nil {
				return fmt.Errorf("look for table %s: %w", table, err)
			}

			if !found {
				missing = append(missing, fmt.Errorf(
					"topic %q has no table %s: run migrate, or add a migration for it", topic, table))
			}
		}
	}

	return errors.Join(missing...)
}
