package command

import (
	"context"
	"errors"

	"github.com/millrace/millrace/domain"
)

// PayInvoice marks an open invoice paid.
type PayInvoice struct {
	InvoiceID string
}

// PayInvoiceHandler handles PayInvoice.
type PayInvoiceHandler struct {
	invoices InvoiceRepository
}

// NewPayInvoiceHandler refuses a nil repository.
func NewPayInvoiceHandler(invoices InvoiceRepository) (PayInvoiceHandler, error) {
	if invoices == nil {
		return PayInvoiceHandler{}, errors.New("nil invoice repository")
	}

	return PayInvoiceHandler{invoices: invoices}, nil
}

// Handle pays the invoice and stores it with its invoice.paid event.
func (h PayInvoiceHandler) Handle(ctx context.Context, cmd PayInvoice) (domain.Invoice, error) {
	return h.invoices.Update(ctx, cmd.InvoiceID, func(inv *domain.Invoice) ([]domain.Event, error) {
		paid, err := inv.Pay()
		if err != nil {
			return nil, err
		}

		return []domain.Event{paid}, nil
	})
}
