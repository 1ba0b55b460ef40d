package pubsub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/jackc/pgx/v5"
)

// ErrSubscriberTxEnded means a handler tried to write through the
// subscriber's transaction after the subscriber had committed or rolled it
// back: it stopped waiting (shutdown, ack deadline), so the message is not
// acknowledged and will be delivered again.
var ErrSubscriberTxEnded = errors.New("the subscriber's transaction has ended")

// guardedBeginner begins the subscriber's transactions as SharedTx values,
// which the watermill-sql subscriber hands to handlers in the message
// context.
type guardedBeginner struct {
	wsql.Beginner
}

func (b guardedBeginner) BeginTx(ctx context.Context, opts *sql.TxOptions) (wsql.Tx, error) {
	tx, err := b.Beginner.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}

	pgxTx, ok := tx.(*wsql.PgxTx)
	if !ok {
		return nil, fmt.Errorf("transaction %T is not a pgx one", tx)
	}

	return &SharedTx{tx: pgxTx}, nil
}

// SharedTx is a subscriber's transaction shared with the handlers of its
// messages. The subscriber and a handler run on different goroutines, and
// the subscriber may end the transaction while a handler still runs (it
// stops waiting at shutdown or at the ack deadline); a pgx connection is
// not safe for concurrent use, so every use takes a lock, and a use after
// the end fails instead of touching a connection back in the pool.
type SharedTx struct {
	mu    sync.Mutex
	tx    *wsql.PgxTx
	ended bool
}

// Use runs fn with the pgx transaction, alone, unless it has ended.
func (t *SharedTx) Use(fn func(pgx.Tx) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()

	if t.ended {
		return ErrSubscriberTxEnded
	}

	return fn(t.tx.Tx)
}

// ExecContext implements wsql.Tx.
func (t *SharedTx) ExecContext(ctx context.Context, query string, args ...any) (wsql.Result, error) {
	t.mu.Lock()
	defer t.mu.Unlock()

	if t.ended {
		return nil, ErrSubscriberTxEnded
	}

	return t.tx.ExecContext(ctx, query, args...)
}

// QueryContext implements wsql.Tx. The subscriber reads the rows to the
// end before it delivers any message, so they need no lock of their own.
func (t *SharedTx) QueryContext(ctx context.Context, query string, args ...any) (wsql.Rows, error) {
	t.mu.Lock()
	defer t.mu.Unlock()

	if t.ended {
		return nil, ErrSubscriberTxEnded
	}

	return t.tx.QueryContext(ctx, query, args...)
}

// Commit implements wsql.Tx; it waits for a handler's running use.
func (t *SharedTx) Commit() error {
	t.mu.Lock()
	defer t.mu.Unlock()

	t.ended = true

	return t.tx.Commit()
}

// Rollback implements wsql.Tx; it waits for a handler's running use.
func (t *SharedTx) Rollback() error {
	t.mu.Lock()
	defer t.mu.Unlock()

	t.ended = true

	return t.tx.Rollback()
}
