package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status is where an invoice is in its life.
type Status string

// The states of an invoice. Open is the only state that moves on.
const (
	StatusOpen Status = "open"
	StatusPaid Status = "paid"
	StatusVoid Status = "void"
)

// MaxCustomerIDLength bounds a customer ID, in characters.
const MaxCustomerIDLength = 64

var (
	// ErrInvoiceNotFound means no invoice has the given ID.
	ErrInvoiceNotFound = errors.New("invoice not found")
	// ErrTransitionNotAllowed means the invoice's state forbids the change.
	ErrTransitionNotAllowed = errors.New("transition not allowed")
)

// Invoice is a bill to one customer for one amount.
type Invoice struct {
	ID         string
	CustomerID string
	Amount     Money
	Status     Status
	IssuedAt   time.Time
}

// NewInvoice validates its input and returns an open invoice with the event
// that records its creation. Every problem is reported at once, as a
// *ValidationError.
func NewInvoice(id, customerID string, amount Money, issuedAt time.Time) (Invoice, InvoiceCreated, error) {
	var v ValidationError
	if reason := checkCustomerID(customerID); reason != "" {
		v.Add("customer_id", reason)
	}

	if !amount.IsPositive() {
		v.Add("amount", "must be greater than zero")
	}

	if err := v.Err(); err != nil {
		return Invoice{}, InvoiceCreated{}, err
	}

	inv := Invoice{
		ID:         id,
		CustomerID: customerID,
		Amount:     amount,
		Status:     StatusOpen,
		IssuedAt:   issuedAt.UTC(),
	}

	return inv, InvoiceCreated{Header: newHeader(), InvoiceFact: inv.fact(), CustomerID: customerID}, nil
}

// checkCustomerID says what is wrong with id, or "".
func checkCustomerID(id string) string {
	switch n := utf8.RuneCountInString(id); {
	case n == 0 || n > MaxCustomerIDLength:
		return fmt.Sprintf("must be 1 to %d characters", MaxCustomerIDLength)
	case !utf8.ValidString(id):
		return "must be valid UTF-8"
	case strings.TrimSpace(id) == "":
		return "must not be blank"
	case strings.ContainsFunc(id, unicode.IsControl):
		return "must not contain control characters"
	}

	return ""
}

// Pay marks an open invoice paid.
func (i *Invoice) Pay() (InvoicePaid, error) {
	if err := i.leaveOpen(StatusPaid); err != nil {
		return InvoicePaid{}, err
	}

	return InvoicePaid{Header: newHeader(), InvoiceFact: i.fact()}, nil
}

// Void cancels an open invoice.
func (i *Invoice) Void() (InvoiceVoided, error) {
	if err := i.leaveOpen(StatusVoid); err != nil {
		return InvoiceVoided{}, err
	}

	return InvoiceVoided{Header: newHeader(), InvoiceFact: i.fact()}, nil
}

func (i *Invoice) leaveOpen(to Status) error {
	if i.Status != StatusOpen {
		return fmt.Errorf("invoice %s is %s, cannot become %s: %w", i.ID, i.Status, to, ErrTransitionNotAllowed)
	}

	i.Status = to

	return nil
}

func (i *Invoice) fact() InvoiceFact {
	return InvoiceFact{
		InvoiceID:   i.ID,
		AmountMinor: i.Amount.Minor(),
		Currency:    i.Amount.Currency().Code(),
		IssuedAt:    i.IssuedAt,
	}
}
