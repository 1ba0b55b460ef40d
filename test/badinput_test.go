package test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBadInput: each bad request answers a 4xx problem+json naming what is
// wrong, changes no invoice and no total, and the service keeps serving.
func TestBadInput(t *testing.T) {
	t.Parallel()

	forEachBackend(t, func(t *testing.T, b backend, svc *service) {
		existing := createInvoice(t, svc, "acme", "50.00", "EUR", "2026-05-05T00:00:00Z")
		paid := createInvoice(t, svc, "acme", "7.00", "EUR", "2026-05-06T00:00:00Z")
		require.Equal(t, http.StatusOK, transition(t, svc, paid.ID, "pay"))

		before := revenue{"EUR": {Currency: "EUR", Billed: "57.00", Collected: "7.00", Outstanding: "50.00", Invoices: 2}}
		waitForRevenue(t, svc, "", before, 10*time.Second)

		valid := func(field, value string) string {
			fields := map[string]string{
				"customer_id": `"acme"`, "amount": `"10.00"`, "currency": `"EUR"`, "issued_at": `"2026-05-01T00:00:00Z"`,
			}
			fields[field] = value

			parts := []string{}
			for _, k := range []string{"customer_id", "amount", "currency", "issued_at"} {
				if fields[k] != "" {
					parts = append(parts, `"`+k+`":`+fields[k])
				}
			}

			return "{" + strings.Join(parts, ",") + "}"
		}

		creates := []struct {
			name   string
			body   string
			status int
			field  string
		}{
			{name: "malformed JSON", body: `{"customer_id":"acme",`, status: 400},
			{name: "trailing data", body: valid("", "") + `{"x":1}`, status: 400},
			{name: "JSON array", body: `[` + valid("", "") + `]`, status: 400},
			{name: "empty body", body: ``, status: 400},
			{name: "unknown field", body: `{"customer_id":"acme","amount":"1.00","currency":"EUR","discount":"5"}`, status: 400},
			{name: "missing fields", body: `{}`, status: 422, field: "customer_id"},
			{name: "missing amount", body: valid("amount", ""), status: 422, field: "amount"},
			{name: "amount as JSON number", body: valid("amount", `10.5`), status: 400, field: "amount"},
			{name: "zero amount", body: valid("amount", `"0"`), status: 422, field: "amount"},
			{name: "negative amount", body: valid("amount", `"-1.00"`), status: 422, field: "amount"},
			{name: "exponent", body: valid("amount", `"1e3"`), status: 422, field: "amount"},
			{name: "too many decimals", body: valid("amount", `"1.005"`), status: 422, field: "amount"},
			{name: "yen decimals", body: `{"customer_id":"acme","amount":"100.5","currency":"JPY"}`, status: 422, field: "amount"},
			{name: "overflow", body: valid("amount", `"1234567890123456789012345"`), status: 422, field: "amount"},
			{name: "unknown currency", body: valid("currency", `"XXY"`), status: 422, field: "currency"},
			{name: "empty customer", body: valid("customer_id", `""`), status: 422, field: "customer_id"},
			{name: "65 character customer", body: valid("customer_id", `"`+strings.Repeat("x", 65)+`"`), status: 422, field: "customer_id"},
			{name: "malformed issued_at", body: valid("issued_at", `"2026-13-45"`), status: 422, field: "issued_at"},
			{name: "2 MiB body", body: `{"customer_id":"` + strings.Repeat("x", 2<<20) + `"}`, status: 413},
		}
		for _, c := range creates {
			p := expectProblem(t, c.status, http.MethodPost, svc.URL+"/invoices", []byte(c.body))
			if c.field != "" {
				require.True(t, hasField(p, c.field), "%s: problem names %s: %+v", c.name, c.field, p)
			}
		}

		expectProblem(t, http.StatusNotFound, http.MethodPost, svc.URL+"/invoices/unknown/pay", nil)
		expectProblem(t, http.StatusNotFound, http.MethodPost, svc.URL+"/invoices/unknown/void", nil)
		expectProblem(t, http.StatusConflict, http.MethodPost, svc.URL+"/invoices/"+paid.ID+"/pay", nil)
		expectProblem(t, http.StatusConflict, http.MethodPost, svc.URL+"/invoices/"+paid.ID+"/void", nil)
		expectProblem(t, http.StatusBadRequest, http.MethodGet, svc.URL+"/revenue?month=2026-13", nil)
		expectProblem(t, http.StatusMethodNotAllowed, http.MethodDelete, svc.URL+"/invoices/"+existing.ID, nil)

		// Still serving, and nothing changed: a control invoice arrives on
		// top of exactly the totals from before.
		status, _, body := call(t, http.MethodGet, svc.URL+"/invoices/"+existing.ID, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, string(body), `"status":"open"`)

		createInvoice(t, svc, "control", "1.00", "EUR", "2026-05-07T00:00:00Z")
		after := revenue{"EUR": {Currency: "EUR", Billed: "58.00", Collected: "7.00", Outstanding: "51.00", Invoices: 3}}
		waitForRevenue(t, svc, "", after, 10*time.Second)
	})
}

func hasField(p problem, field string) bool {
	for _, f := range p.Fields {
		if f.Field == field {
			return true
		}
	}

	return false
}
