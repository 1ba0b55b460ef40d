package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PruneRelayed deletes the messages of topic that consumer group has
// already acknowledged and that are older than keep, and returns how many
// it deleted. Watermill's tables keep every message, which suits an event
// log but not an outbox, whose rows are worth nothing once relayed; keep
// leaves a window in which they can still be re-relayed by moving the
// group's offset back. Several processes may prune at once.
func PruneRelayed(
	ctx context.Context, pool *pgxpool.Pool, topic, group string, keep time.Duration,
) (int64, error) {
	query := fmt.Sprintf(`
		DELETE FROM %s m USING %s o
		WHERE o.consumer_group = $1
		AND (m.transaction_id < o.last_processed_transaction_id
			OR (m.transaction_id = o.last_processed_transaction_id AND m."offset" <= o.offset_acked))
		AND m.created_at < (CURRENT_TIMESTAMP - make_interval(secs => $2))::timestamp`,
		messagesTable(topic), offsetsTable(topic))

	tag, err := pool.Exec(ctx, query, group, keep.Seconds())
	if err != nil {
		return 0, fmt.Errorf("prune %s: %w", topic, err)
	}

	return tag.RowsAffected(), nil
}
