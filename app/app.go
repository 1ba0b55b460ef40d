// Package app holds the use cases: commands that change invoices, queries
// that read them, and the projections that events keep up to date. It
// depends on the interfaces it declares, never on a store or a transport.
package app

import (
	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/app/query"
)

// Application groups every use case the ports may call.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands change state.
type Commands struct {
	CreateInvoice command.CreateInvoiceHandler
	PayInvoice    command.PayInvoiceHandler
	VoidInvoice   command.VoidInvoiceHandler
}

// Queries read state.
type Queries struct {
	Invoice query.InvoiceHandler
	Revenue query.RevenueHandler
	Events  query.EventsHandler
}
