package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SQLConfig tunes the SQL backend.
type SQLConfig struct {
	// BatchSize is how many messages a subscriber reads per transaction;
	// their handlers' writes and the new offset commit together, so a
	// larger batch means fewer commits and more work redone after a crash.
	BatchSize int
	// MinPollInterval is the first wait after a query found nothing; it
	// doubles up to PollInterval. A commit notification ends any wait.
	MinPollInterval time.Duration
	// PollInterval is the longest wait between queries, the bound on
	// pickup latency when notifications are lost.
	PollInterval time.Duration
	// RetryInterval is the wait after a failed query, e.g. while the
	// database is down.
	RetryInterval time.Duration
	// AckDeadline bounds how long one message may take to be handled,
	// retries included, before its batch is rolled back and redelivered.
	AckDeadline time.Duration
	// InitializeSchema creates a topic's tables on first use. The service
	// leaves it off: its migrations create the tables, so workers never
	// race on DDL. Tests that invent topics turn it on.
	InitializeSchema bool
}

// NewSQL is the backend that keeps messages in PostgreSQL tables through
// watermill-sql: a topic is a table, a consumer group an offset row. It
// listens for commit notifications on its own connection until Close.
func NewSQL(pool *pgxpool.Pool, cfg SQLConfig, logger *slog.Logger) (Backend, error) {
	if pool == nil {
		return Backend{}, errors.New("nil pool")
	}

	cfg = cfg.withDefaults()
	wmLogger := watermill.NewSlogLogger(logger)
	schema := sqlSchema(cfg.BatchSize)

	publisher, err := NewSQLPublisher(pool, cfg, logger)
	if err != nil {
		return Backend{}, err
	}

	ctx, stop := context.WithCancel(context.Background())
	listener := newNotifyListener(ctx, func(ctx context.Context) (*pgx.Conn, error) {
		return pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	}, logger)

	return Backend{
		Name:      "sql",
		Publisher: publisher,
		NewSubscriber: func(group string) (message.Subscriber, error) {
			return newSQLSubscriber(pool, group, cfg, schema, listener, wmLogger), nil
		},
		Ready: pool.Ping,
		Close: func() error {
			stop()

			return publisher.Close()
		},
	}, nil
}

// NewSQLPublisher returns the backend's publisher on its own: it inserts
// through the pool, or through the subscriber's transaction for messages
// a watermill-sql subscriber delivered.
func NewSQLPublisher(pool *pgxpool.Pool, cfg SQLConfig, logger *slog.Logger) (message.Publisher, error) {
	wmLogger := watermill.NewSlogLogger(logger)

	shared, err := wsql.NewPublisher(wsql.BeginnerFromPgx(pool), wsql.PublisherConfig{
		SchemaAdapter:        sqlSchema(0),
		AutoInitializeSchema: cfg.InitializeSchema,
	}, wmLogger)
	if err != nil {
		return nil, fmt.Errorf("sql publisher: %w", err)
	}

	return txAwarePublisher{shared: shared, logger: wmLogger}, nil
}

// NewSQLTxPublisher returns a publisher that inserts into the message
// tables through tx, so what it publishes commits or rolls back with tx.
func NewSQLTxPublisher(tx pgx.Tx, logger watermill.LoggerAdapter) (message.Publisher, error) {
	config := wsql.PublisherConfig{SchemaAdapter: sqlSchema(0)}

	publisher, err := wsql.NewPublisher(wsql.TxFromPgx(tx), config, logger)
	if err != nil {
		return nil, fmt.Errorf("sql publisher: %w", err)
	}

	return publisher, nil
}

// txAwarePublisher publishes through the transaction a watermill-sql
// subscriber delivered the message in, when there is one: a handler's
// messages, poisoned ones included, then commit with its offset, so a
// crash cannot publish them twice. Others go through the pool.
type txAwarePublisher struct {
	shared *wsql.Publisher
	logger watermill.LoggerAdapter
}

func (p txAwarePublisher) Publish(topic string, msgs ...*message.Message) error {
	if len(msgs) == 0 {
		return nil
	}

	tx, ok := wsql.TxFromContext(msgs[0].Context())
	if !ok {
		return p.shared.Publish(topic, msgs...)
	}

	publisher, err := wsql.NewPublisher(tx, wsql.PublisherConfig{SchemaAdapter: sqlSchema(0)}, p.logger)
	if err != nil {
		return fmt.Errorf("sql publisher: %w", err)
	}

	return publisher.Publish(topic, msgs...)
}

func (p txAwarePublisher) Close() error {
	return p.shared.Close()
}

// notifyChannel is the channel the migrations' trigger notifies for a
// topic: its message table's name.
func notifyChannel(topic string) string {
	return strings.Trim(sqlSchema(0).MessagesTable(topic), `"`)
}
