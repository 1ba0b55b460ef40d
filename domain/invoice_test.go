package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/domain"
)

func openInvoice(t *testing.T) domain.Invoice {
	t.Helper()

	amount, err := domain.ParseMoney("120.50", currency(t, "EUR"))
	require.NoError(t, err)

	inv, created, err := domain.NewInvoice("inv-1", "acme", amount, time.Date(2026, 7, 15, 3, 47, 10, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, domain.InvoiceCreatedName, created.EventName())

	return inv
}

func TestNewInvoice(t *testing.T) {
	t.Parallel()

	eur := currency(t, "EUR")
	tests := []struct {
		name     string
		customer string
		minor    int64
		fields   []string
	}{
		{name: "valid", customer: "株式会社トヨダ #294", minor: 1},
		{name: "64 characters", customer: strings.Repeat("é", 64), minor: 1},
		{name: "empty customer", customer: "", minor: 1, fields: []string{"customer_id"}},
		{name: "65 characters", customer: strings.Repeat("a", 65), minor: 1, fields: []string{"customer_id"}},
		{name: "blank customer", customer: "   ", minor: 1, fields: []string{"customer_id"}},
		{name: "control character", customer: "a\x00b", minor: 1, fields: []string{"customer_id"}},
		{name: "invalid UTF-8", customer: "a\xffb", minor: 1, fields: []string{"customer_id"}},
		{name: "zero amount", customer: "acme", minor: 0, fields: []string{"amount"}},
		{name: "both wrong", customer: "", minor: -1, fields: []string{"customer_id", "amount"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			inv, created, err := domain.NewInvoice("id", tt.customer, domain.NewMoney(tt.minor, eur), time.Now())
			if tt.fields == nil {
				require.NoError(t, err)
				require.Equal(t, domain.StatusOpen, inv.Status)
				require.Equal(t, tt.minor, created.AmountMinor)
				require.Equal(t, "EUR", created.Currency)
				require.NotEmpty(t, created.EventID())

				return
			}

			var v *domain.ValidationError
			require.ErrorAs(t, err, &v)

			got := make([]string, 0, len(v.Problems))
			for _, p := range v.Problems {
				got = append(got, p.Field)
			}

			require.Equal(t, tt.fields, got)
		})
	}
}

func TestInvoiceTransitions(t *testing.T) {
	t.Parallel()

	type step func(*domain.Invoice) (domain.Event, error)
	pay := func(i *domain.Invoice) (domain.Event, error) { return i.Pay() }
	void := func(i *domain.Invoice) (domain.Event, error) { return i.Void() }

	tests := []struct {
		name    string
		before  []step
		step    step
		allowed bool
		status  domain.Status
		event   string
	}{
		{name: "open to paid", step: pay, allowed: true, status: domain.StatusPaid, event: domain.InvoicePaidName},
		{name: "open to void", step: void, allowed: true, status: domain.StatusVoid, event: domain.InvoiceVoidedName},
		{name: "paid twice", before: []step{pay}, step: pay, status: domain.StatusPaid},
		{name: "void a paid invoice", before: []step{pay}, step: void, status: domain.StatusPaid},
		{name: "pay a void invoice", before: []step{void}, step: pay, status: domain.StatusVoid},
		{name: "void twice", before: []step{void}, step: void, status: domain.StatusVoid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			inv := openInvoice(t)
			for _, s := range tt.before {
				_, err := s(&inv)
				require.NoError(t, err)
			}

			event, err := tt.step(&inv)
			require.Equal(t, tt.status, inv.Status)

			if !tt.allowed {
				require.ErrorIs(t, err, domain.ErrTransitionNotAllowed)

				return
			}

			require.NoError(t, err)
			require.Equal(t, tt.event, event.EventName())
			require.NotEmpty(t, event.EventID())
			require.Equal(t, int64(12050), factOf(t, event).AmountMinor)
		})
	}
}

func factOf(t *testing.T, e domain.Event) domain.InvoiceFact {
	t.Helper()

	switch e := e.(type) {
	case domain.InvoicePaid:
		return e.InvoiceFact
	case domain.InvoiceVoided:
		return e.InvoiceFact
	}

	t.Fatalf("unexpected event %T", e)

	return domain.InvoiceFact{}
}
