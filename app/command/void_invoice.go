package command

import (
	"context"
	"errors"

	"github.com/millrace/millrace/domain"
)

// VoidInvoice cancels an open invoice.
type VoidInvoice struct {
	InvoiceID string
}

// VoidInvoiceHandler handles VoidInvoice.
type VoidInvoiceHandler struct {
	invoices InvoiceRepository
}

// NewVoidInvoiceHandler refuses a nil repository.
func NewVoidInvoiceHandler(invoices InvoiceRepository) (VoidInvoiceHandler, error) {
	if invoices == nil {
		return VoidInvoiceHandler{}, errors.New("nil invoice repository")
	}

	return VoidInvoiceHandler{invoices: invoices}, nil
}

// Handle voids the invoice and stores it with its invoice.voided event.
func (h VoidInvoiceHandler) Handle(ctx context.Context, cmd VoidInvoice) (domain.Invoice, error) {
	return h.invoices.Update(ctx, cmd.InvoiceID, func(inv *domain.Invoice) ([]domain.Event, error) {
		voided, err := inv.Void()
		if err != nil {
			return nil, err
		}

		return []domain.Event{voided}, nil
	})
}
