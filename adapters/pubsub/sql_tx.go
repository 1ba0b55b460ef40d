package pubsub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/jackc/pgx/v5"
)

// ErrSubscriberTxEnded means a handler tried to write through the
// subscriber's transaction after the subscriber had committed or rolled it
// back: it stopped waiting (shutdown, ack deadline), so the message is not
// acknowledged and will be delivered again.
var ErrSubscriberTxEnded = errors.New("the subscriber's transaction has ended")

// guardedBeginner begins one subscriber's transactions as SharedTx values,
// which the watermill-sql subscriber hands to handlers in the message
// context. After a batch whose deferred writes failed, it runs the next
// batch without deferral, so the failing message meets its error in its
// own handler, where it can be retried or poisoned.
type guardedBeginner struct {
	wsql.Beginner
	synchronous *atomic.Bool
}

func newGuardedBeginner(db wsql.Beginner) guardedBeginner {
	return guardedBeginner{Beginner: db, synchronous: &atomic.Bool{}}
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

	return &SharedTx{ctx: ctx, tx: pgxTx, synchronous: b.synchronous, wasSynchronous: b.synchronous.Load()}, nil
}

// SharedTx is a subscriber's transaction shared with the handlers of its
// messages. The subscriber and a handler run on different goroutines, and
// the subscriber may end the transaction while a handler still runs (it
// stops waiting at shutdown or at the ack deadline); a pgx connection is
// not safe for concurrent use, so every use takes a lock, and a use after
// the end fails instead of touching a connection back in the pool.
//
// Handlers may also defer writes: they are sent together, in one round
// trip, before the subscriber's next statement (its offset) or its commit.
type SharedTx struct {
	ctx context.Context

	mu       sync.Mutex
	tx       *wsql.PgxTx
	ended    bool
	deferred *pgx.Batch

	synchronous    *atomic.Bool
	wasSynchronous bool
}

// Use runs fn with the pgx transaction, alone, unless it has ended.
func (t *SharedTx) Use(fn func(pgx.Tx) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()

	if t.ended {
		return ErrSubscriberTxEnded
	}

	if err := t.flush(); err != nil {
		return err
	}

	return fn(t.tx.Tx)
}

// Defer queues a statement to run before the batch's offset is written.
// It reports false when the caller must run the statement itself: the
// transaction ended, or the previous batch's deferred writes failed. An
// error of a deferred statement rolls the whole batch back.
func (t *SharedTx) Defer(query string, args ...any) bool {
	t.mu.Lock()
	defer t.mu.Unlock()

	if t.ended || t.wasSynchronous {
		return false
	}

	if t.deferred == nil {
		t.deferred = &pgx.Batch{}
	}

	t.deferred.Queue(query, args...)

	return true
}

// flush sends the deferred statements; the caller holds the lock.
func (t *SharedTx) flush() error {
	if t.deferred == nil {
		return nil
	}

	batch := t.deferred
	t.deferred = nil

	if err := t.tx.Tx.SendBatch(t.ctx, batch).Close(); err != nil {
		t.synchronous.Store(true)

		return fmt.Errorf("deferred writes: %w", err)
	}

	return nil
}

// usable refuses a transaction that ended and sends the deferred writes
// before another statement; t.mu must be held.
func (t *SharedTx) usable() error {
	if t.ended {
		return ErrSubscriberTxEnded
	}

	return t.flush()
}

// ExecContext implements wsql.Tx.
func (t *SharedTx) ExecContext(ctx context.Context, query string, args ...any) (wsql.Result, error) {
	t.mu.Lock()
	defer t.mu.Unlock()

	if err := t.usable(); err != nil {
		return nil, err
	}

	return t.tx.ExecContext(ctx, query, args...)
}

// QueryContext implements wsql.Tx. The subscriber reads the rows to the
// end before it delivers any message, so they need no lock of their own.
func (t *SharedTx) QueryContext(ctx context.Context, query string, args ...any) (wsql.Rows, error) {
	t.mu.Lock()
	defer t.mu.Unlock()

	if err := t.usable(); err != nil {
		return nil, err
	}

	return t.tx.QueryContext(ctx, query, args...)
}

// Commit implements wsql.Tx: it waits for a handler's running use and
// sends the deferred writes first. A batch that ran without deferral and
// commits lets the next one defer again.
func (t *SharedTx) Commit() error {
	t.mu.Lock()
	defer t.mu.Unlock()

	t.ended = true

	if err := t.flush(); err != nil {
		return errors.Join(err, t.tx.Rollback())
	}

	if err := t.tx.Commit(); err != nil {
		return err
	}

	if t.wasSynchronous {
		t.synchronous.Store(false)
	}

	return nil
}

// Rollback implements wsql.Tx; it waits for a handler's running use and
// drops the deferred writes.
func (t *SharedTx) Rollback() error {
	t.mu.Lock()
	defer t.mu.Unlock()

	t.ended = true
	t.deferred = nil

	return t.tx.Rollback()
}
