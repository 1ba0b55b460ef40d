package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/millrace/millrace/app"
	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/domain"
)

// IdempotencyKeyHeader makes a create safe to retry.
const IdempotencyKeyHeader = "Idempotency-Key"

const maxIdempotencyKeyLength = 255

type invoiceHandlers struct {
	app    app.Application
	logger *slog.Logger
}

type createInvoiceRequest struct {
	CustomerID *string `json:"customer_id"`
	Amount     *string `json:"amount"`
	Currency   *string `json:"currency"`
	IssuedAt   *string `json:"issued_at"`
}

type invoiceResponse struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
	Status     string `json:"status"`
	IssuedAt   string `json:"issued_at"`
}

func (h invoiceHandlers) create(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}

	var req createInvoiceRequest
	if !decodeObject(w, body, &req) {
		return
	}

	cmd, err := req.command(r.Header.Get(IdempotencyKeyHeader))
	if err != nil {
		writeError(w, r, err, h.logger)

		return
	}

	inv, err := h.app.Commands.CreateInvoice.Handle(r.Context(), cmd)
	if err != nil {
		writeError(w, r, err, h.logger)

		return
	}

	w.Header().Set("Location", "/invoices/"+inv.ID)
	writeJSON(w, http.StatusCreated, toInvoiceResponse(inv))
}

// command checks what JSON decoding cannot: presence, the timestamp and
// the idempotency key. Amount and currency are the application's to judge.
func (req createInvoiceRequest) command(key string) (command.CreateInvoice, error) {
	var v domain.ValidationError
	required := map[string]*string{"customer_id": req.CustomerID, "amount": req.Amount, "currency": req.Currency}
	for _, field := range []string{"customer_id", "amount", "currency"} {
		if required[field] == nil {
			v.Add(field, "is required")
		}
	}

	var issuedAt time.Time
	if req.IssuedAt != nil {
		t, err := time.Parse(time.RFC3339, *req.IssuedAt)
		if err != nil {
			v.Add("issued_at", "must be an RFC 3339 timestamp such as 2026-07-15T03:47:10Z")
		}

		issuedAt = t
	}

	if len(key) > maxIdempotencyKeyLength {
		v.Add(IdempotencyKeyHeader, "must be at most 255 characters")
	}

	if err := v.Err(); err != nil {
		return command.CreateInvoice{}, err
	}

	return command.CreateInvoice{
		CustomerID:     *req.CustomerID,
		Amount:         *req.Amount,
		Currency:       *req.Currency,
		IssuedAt:       issuedAt,
		IdempotencyKey: key,
	}, nil
}

func (h invoiceHandlers) get(w http.ResponseWriter, r *http.Request) {
	inv, err := h.app.Queries.Invoice.Handle(r.Context(), pathID(r))
	h.respond(w, r, inv, err)
}

func (h invoiceHandlers) pay(w http.ResponseWriter, r *http.Request) {
	inv, err := h.app.Commands.PayInvoice.Handle(r.Context(), command.PayInvoice{InvoiceID: pathID(r)})
	h.respond(w, r, inv, err)
}

func (h invoiceHandlers) void(w http.ResponseWriter, r *http.Request) {
	inv, err := h.app.Commands.VoidInvoice.Handle(r.Context(), command.VoidInvoice{InvoiceID: pathID(r)})
	h.respond(w, r, inv, err)
}

func (h invoiceHandlers) respond(w http.ResponseWriter, r *http.Request, inv domain.Invoice, err error) {
	if err != nil {
		writeError(w, r, err, h.logger)

		return
	}

	writeJSON(w, http.StatusOK, toInvoiceResponse(inv))
}

func toInvoiceResponse(inv domain.Invoice) invoiceResponse {
	return invoiceResponse{
		ID:         inv.ID,
		CustomerID: inv.CustomerID,
		Amount:     inv.Amount.String(),
		Currency:   inv.Amount.Currency().Code(),
		Status:     string(inv.Status),
		IssuedAt:   inv.IssuedAt.Format(time.RFC3339),
	}
}
