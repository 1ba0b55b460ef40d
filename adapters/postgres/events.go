package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/millrace/millrace/app/query"
)

// EventLog lists the events stored in the message table of one topic.
type EventLog struct {
	pool  *pgxpool.Pool
	table string
}

// NewEventLog reads the events of topic.
func NewEventLog(pool *pgxpool.Pool, topic string) (*EventLog, error) {
	if pool == nil || topic == "" {
		return nil, errors.New("nil pool or empty topic")
	}

	return &EventLog{pool: pool, table: messagesTable(topic)}, nil
}

// Events implements query.EventLog. The position is the row's offset,
// assigned at insert: a transaction that commits late can add an event
// below a position already listed, so a reader that must see every event
// uses a consumer group instead.
func (l *EventLog) Events(ctx context.Context, after int64, limit int) ([]query.StoredEvent, error) {
	rows, err := l.pool.Query(ctx, `
		SELECT "offset", uuid, coalesce(metadata->>'name', ''),
		       coalesce(metadata->>'occurred_at', ''), created_at, coalesce(payload, '')
		FROM `+l.table+` WHERE "offset" > $1 ORDER BY "offset" LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}

	events, err := pgx.CollectRows(rows, scanStoredEvent)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}

	return events, nil
}

func scanStoredEvent(row pgx.CollectableRow) (query.StoredEvent, error) {
	var (
		e          query.StoredEvent
		occurredAt string
		createdAt  time.Time
	)

	if err := row.Scan(&e.Position, &e.ID, &e.Name, &occurredAt, &createdAt, &e.Payload); err != nil {
		return query.StoredEvent{}, err
	}

	// Rows written by hand or by another producer may lack the metadata;
	// the insert time is then the best answer.
	e.OccurredAt = createdAt.UTC()
	if t, err := time.Parse(time.RFC3339Nano, occurredAt); err == nil {
		e.OccurredAt = t.UTC()
	}

	return e, nil
}
