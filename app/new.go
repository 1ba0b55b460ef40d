package app

import (
	"errors"
	"time"

	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/app/query"
)

// Stores is what the use cases read and write.
type Stores struct {
	Invoices interface {
		command.InvoiceRepository
		query.InvoiceReader
	}
	Revenue query.RevenueReader
	// Events is the event log, nil for stores that keep none.
	Events query.EventLog
}

// New builds the application on stores.
func New(stores Stores, now func() time.Time) (Application, error) {
	create, err1 := command.NewCreateInvoiceHandler(stores.Invoices, now)
	pay, err2 := command.NewPayInvoiceHandler(stores.Invoices)
	void, err3 := command.NewVoidInvoiceHandler(stores.Invoices)
	invoice, err4 := query.NewInvoiceHandler(stores.Invoices)
	revenue, err5 := query.NewRevenueHandler(stores.Revenue)

	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return Application{}, err
	}

	return Application{
		Commands: Commands{CreateInvoice: create, PayInvoice: pay, VoidInvoice: void},
		Queries: Queries{
			Invoice: invoice,
			Revenue: revenue,
			Events:  query.NewEventsHandler(stores.Events),
		},
	}, nil
}
