package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/domain"
)

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func insertInvoice(ctx context.Context, tx pgx.Tx, inv domain.Invoice) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO invoices (id, customer_id, amount_minor, currency, status, issued_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		inv.ID, inv.CustomerID, inv.Amount.Minor(), inv.Amount.Currency().Code(), string(inv.Status), inv.IssuedAt)
	if err != nil {
		return fmt.Errorf("insert invoice %s: %w", inv.ID, err)
	}

	return nil
}

// claimKey records key for invoiceID and reports false when another
// invoice holds it already.
func claimKey(ctx context.Context, tx pgx.Tx, key command.IdempotencyKey, invoiceID string) (bool, error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO idempotency_keys (key, fingerprint, invoice_id) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO NOTHING`,
		key.Key, key.Fingerprint, invoiceID)
	if err != nil {
		return false, fmt.Errorf("claim idempotency key: %w", err)
	}

	return tag.RowsAffected() == 1, nil
}

// selectInvoice reads one invoice; lock is "" or a locking clause.
func selectInvoice(ctx context.Context, q querier, id, lock string) (domain.Invoice, error) {
	var (
		customerID, code, status string
		minor                    int64
		issuedAt                 time.Time
	)

	err := q.QueryRow(ctx, `
		SELECT customer_id, amount_minor, currency, status, issued_at
		FROM invoices WHERE id = $1 `+lock, id,
	).Scan(&customerID, &minor, &code, &status, &issuedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Invoice{}, fmt.Errorf("%s: %w", id, domain.ErrInvoiceNotFound)
	}

	if err != nil {
		return domain.Invoice{}, fmt.Errorf("read invoice %s: %w", id, err)
	}

	cur, err := domain.ParseCurrency(code)
	if err != nil {
		return domain.Invoice{}, fmt.Errorf("stored invoice %s: %w", id, err)
	}

	return domain.Invoice{
		ID:         id,
		CustomerID: customerID,
		Amount:     domain.NewMoney(minor, cur),
		Status:     domain.Status(status),
		IssuedAt:   issuedAt.UTC(),
	}, nil
}
