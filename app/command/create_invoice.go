package command

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/millrace/millrace/domain"
)

// CreateInvoice asks for a new open invoice. Amount and Currency are the
// caller's text, validated here so every problem is reported together. A
// repeat with the same IdempotencyKey and the same request creates nothing.
type CreateInvoice struct {
	CustomerID     string
	Amount         string
	Currency       string
	IssuedAt       time.Time
	IdempotencyKey string
}

// CreateInvoiceHandler handles CreateInvoice.
type CreateInvoiceHandler struct {
	invoices InvoiceRepository
	now      func() time.Time
}

// NewCreateInvoiceHandler refuses a nil repository; now defaults to
// time.Now.
func NewCreateInvoiceHandler(invoices InvoiceRepository, now func() time.Time) (CreateInvoiceHandler, error) {
	if invoices == nil {
		return CreateInvoiceHandler{}, errors.New("nil invoice repository")
	}

	if now == nil {
		now = time.Now
	}

	return CreateInvoiceHandler{invoices: invoices, now: now}, nil
}

// Handle validates the command, creates the invoice and stores it with its
// invoice.created event.
func (h CreateInvoiceHandler) Handle(ctx context.Context, cmd CreateInvoice) (domain.Invoice, error) {
	amount, err := parseAmount(cmd.Amount, cmd.Currency)
	if err != nil {
		return domain.Invoice{}, err
	}

	issuedAt := cmd.IssuedAt
	if issuedAt.IsZero() {
		issuedAt = h.now()
	}

	inv, created, err := domain.NewInvoice(uuid.Must(uuid.NewV7()).String(), cmd.CustomerID, amount, issuedAt)
	if err != nil {
		return domain.Invoice{}, err
	}

	key := IdempotencyKey{Key: cmd.IdempotencyKey}
	if key.Key != "" {
		key.Fingerprint = fingerprint(cmd.CustomerID, amount, cmd.IssuedAt)
	}

	stored, err := h.invoices.Add(ctx, inv, key, created)
	if err != nil {
		return domain.Invoice{}, fmt.Errorf("store invoice: %w", err)
	}

	return stored, nil
}

// fingerprint identifies a request by its meaning, not its bytes, so a
// retry that spells the same request differently ("10.0" for "10.00", keys
// in another order) is still the same request.
func fingerprint(customerID string, amount domain.Money, issuedAt time.Time) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q|%d|%s|", customerID, amount.Minor(), amount.Currency().Code())
	if !issuedAt.IsZero() {
		fmt.Fprint(h, issuedAt.UTC().Format(time.RFC3339Nano))
	}

	return hex.EncodeToString(h.Sum(nil))
}

// parseAmount turns the caller's amount and currency into money, reporting
// a problem with either as a *domain.ValidationError.
func parseAmount(amount, code string) (domain.Money, error) {
	var v domain.ValidationError

	cur, err := domain.ParseCurrency(code)
	if err != nil {
		v.Add("currency", err.Error())
		if amount == "" {
			v.Add("amount", "is required")
		}

		return domain.Money{}, v.Err()
	}

	money, err := domain.ParseMoney(amount, cur)
	if err != nil {
		v.Add("amount", err.Error())

		return domain.Money{}, v.Err()
	}

	return money, nil
}
