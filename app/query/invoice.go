package query

import (
	"context"
	"errors"

	"github.com/millrace/millrace/domain"
)

// InvoiceReader finds one invoice.
type InvoiceReader interface {
	// Get returns domain.ErrInvoiceNotFound for an unknown ID.
	Get(ctx context.Context, id string) (domain.Invoice, error)
}

// InvoiceHandler answers "what is this invoice?".
type InvoiceHandler struct {
	invoices InvoiceReader
}

// NewInvoiceHandler refuses a nil reader.
func NewInvoiceHandler(invoices InvoiceReader) (InvoiceHandler, error) {
	if invoices == nil {
		return InvoiceHandler{}, errors.New("nil invoice reader")
	}

	return InvoiceHandler{invoices: invoices}, nil
}

// Handle returns the invoice with the given ID.
func (h InvoiceHandler) Handle(ctx context.Context, id string) (domain.Invoice, error) {
	return h.invoices.Get(ctx, id)
}
