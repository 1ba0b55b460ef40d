package command

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/millrace/millrace/domain"
)

// CreateInvoice asks for a new open invoice. Amount and Currency are the
// caller's text, validated here so every problem is reported together.
type CreateInvoice struct {
	CustomerID     string
	Amount         string
	Currency       string
	IssuedAt       time.Time
	IdempotencyKey IdempotencyKey
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

	stored, err := h.invoices.Add(ctx, inv, cmd.IdempotencyKey, created)
	if err != nil {
		return domain.Invoice{}, fmt.Errorf("store invoice: %w", err)
	}

	return stored, nil
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
