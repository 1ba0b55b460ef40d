package postgres

import (
	"context"
	"errors"
	"fmt"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/jackc/pgx/v5"
)

type txKey struct{}

// withTx returns ctx carrying tx, for writes that must join it.
func withTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// sharedTx is a transaction that others use too: fn runs with it alone,
// or fails once its owner has ended it. The SQL backend's subscriber
// transactions are shared with the handlers of their messages.
type sharedTx interface {
	Use(fn func(pgx.Tx) error) error
}

// ownTx is a transaction the caller alone uses.
type ownTx struct{ tx pgx.Tx }

func (o ownTx) Use(fn func(pgx.Tx) error) error { return fn(o.tx) }

// txFrom returns the transaction a write must join: one of this package's
// (a replay) or the one the watermill-sql subscriber consumes the message
// in. ok is false when there is none and the write may make its own.
func txFrom(ctx context.Context) (sharedTx, bool, error) {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return ownTx{tx}, true, nil
	}

	subTx, ok := wsql.TxFromContext(ctx)
	if !ok {
		return nil, false, nil
	}

	switch tx := subTx.(type) {
	case sharedTx:
		return tx, true, nil
	case *wsql.PgxTx:
		return ownTx{tx.Tx}, true, nil
	default:
		return nil, false, fmt.Errorf("subscriber transaction %T is not a pgx one", subTx)
	}
}

// inTx runs fn in a transaction of pool and commits when fn succeeds.
func inTx(ctx context.Context, db interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}, fn func(tx pgx.Tx) error) (err error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}

	defer func() {
		if err != nil {
			if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
			}
		}
	}()

	if err := fn(tx); err != nil {
		return err
	}

	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}

	return nil
}
