package test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestConcurrentInvoices: 2,000 invoices from 16 clients across EUR, USD and
// JPY, a third paid and a tenth voided; revenue, in total and per month,
// equals what the test computed on its own.
func TestConcurrentInvoices(t *testing.T) {
	t.Parallel()

	forEachBackend(t, func(t *testing.T, b backend, svc *service) {
		const invoices, clients = 2000, 16
		currencies := []struct {
			code   string
			digits int
		}{{"EUR", 2}, {"USD", 2}, {"JPY", 0}}

		want := newLedger()
		jobs := make(chan int)
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(c), 7))
				for i := range jobs {
					cur := currencies[i%len(currencies)]
					minor := rng.Int64N(10_000_000) + 1
					month := time.Month(i%12 + 1)
					issued := time.Date(2026, month, 1+i%28, 12, 0, 0, 0, time.UTC)
					paid, voided := i%3 == 0, i%3 != 0 && i%10 == 1

					inv := createInvoice(t, svc, fmt.Sprintf("customer-%d", i), minorText(minor, cur.digits), cur.code, issued.Format(time.RFC3339))
					switch {
					case paid:
						require.Equal(t, http.StatusOK, transition(t, svc, inv.ID, "pay"))
					case voided:
						require.Equal(t, http.StatusOK, transition(t, svc, inv.ID, "void"))
					}

					want.record(cur.code, cur.digits, issued.Format("2006-01"), minor, paid, voided)
				}
			})
		}

		for i := range invoices {
			jobs <- i
		}
		close(jobs)
		wg.Wait()

		if b.readYourWrites {
			require.Equal(t, want.revenue(""), getRevenue(t, svc, ""), "revenue must be current when the commands returned")
		}

		waitForRevenue(t, svc, "", want.revenue(""), time.Minute)
		for _, month := range []string{"2026-01", "2026-06", "2026-12"} {
			waitForRevenue(t, svc, month, want.revenue(month), 10*time.Second)
		}
	})
}

// TestInvoiceLifecycle follows one invoice through the contract's answers.
func TestInvoiceLifecycle(t *testing.T) {
	t.Parallel()

	forEachBackend(t, func(t *testing.T, b backend, svc *service) {
		status, _, body := call(t, http.MethodPost, svc.URL+"/invoices",
			[]byte(`{"customer_id":"acme","amount":"120.50","currency":"EUR"}`))
		require.Equal(t, http.StatusCreated, status, string(body))

		inv := createInvoice(t, svc, "acme", "120.50", "EUR", "2026-07-15T03:47:10Z")
		require.Equal(t, "open", inv.Status)
		require.Equal(t, "2026-07-15T03:47:10Z", inv.IssuedAt)

		status, _, body = call(t, http.MethodGet, svc.URL+"/invoices/"+inv.ID, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, string(body), `"amount":"120.50"`)

		july := revenue{"EUR": {Month: "2026-07", Currency: "EUR", Billed: "120.50", Collected: "0.00", Outstanding: "120.50", Invoices: 1}}
		waitForRevenue(t, svc, "2026-07", july, 10*time.Second)

		require.Equal(t, http.StatusOK, transition(t, svc, inv.ID, "pay"))
		july["EUR"] = total{Month: "2026-07", Currency: "EUR", Billed: "120.50", Collected: "120.50", Outstanding: "0.00", Invoices: 1}
		waitForRevenue(t, svc, "2026-07", july, 10*time.Second)

		p := expectProblem(t, http.StatusConflict, http.MethodPost, svc.URL+"/invoices/"+inv.ID+"/pay", nil)
		require.Equal(t, "transition not allowed", p.Title)
		expectProblem(t, http.StatusConflict, http.MethodPost, svc.URL+"/invoices/"+inv.ID+"/void", nil)
		expectProblem(t, http.StatusNotFound, http.MethodGet, svc.URL+"/invoices/no-such-invoice", nil)
		expectProblem(t, http.StatusNotFound, http.MethodPost, svc.URL+"/invoices/no-such-invoice/pay", nil)

		status, _, body = call(t, http.MethodGet, svc.URL+"/invoices/"+inv.ID, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, string(body), `"status":"paid"`)
		waitForRevenue(t, svc, "2026-07", july, 10*time.Second)
	})
}

// TestIdempotencyKey: the same key and body return the same invoice and
// count once; the same key with another body is refused.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()

	forEachBackend(t, func(t *testing.T, b backend, svc *service) {
		body := []byte(`{"customer_id":"acme","amount":"10.00","currency":"USD","issued_at":"2026-02-01T00:00:00Z"}`)

		ids := make(chan string, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				status, _, out := call(t, http.MethodPost, svc.URL+"/invoices", body, "Idempotency-Key", "order-77")
				require.Equal(t, http.StatusCreated, status, string(out))
				ids <- string(out)
			})
		}
		wg.Wait()
		close(ids)

		first := <-ids
		for id := range ids {
			require.JSONEq(t, first, id)
		}

		// The same request spelled differently is still the same request.
		reordered := []byte(`{"issued_at":"2026-02-01T00:00:00Z", "currency":"USD", "amount":"10.0", "customer_id":"acme"}`)
		status, _, out := call(t, http.MethodPost, svc.URL+"/invoices", reordered, "Idempotency-Key", "order-77")
		require.Equal(t, http.StatusCreated, status, string(out))
		require.JSONEq(t, first, string(out))

		other := []byte(`{"customer_id":"acme","amount":"99.00","currency":"USD"}`)
		expectProblem(t, http.StatusUnprocessableEntity, http.MethodPost, svc.URL+"/invoices", other, "Idempotency-Key", "order-77")

		// A later invoice shows up, so the replays had their chance to count.
		createInvoice(t, svc, "acme", "1.00", "USD", "2026-02-02T00:00:00Z")
		waitForRevenue(t, svc, "", revenue{"USD": {Currency: "USD", Billed: "11.00", Collected: "0.00", Outstanding: "11.00", Invoices: 2}}, 10*time.Second)
	})
}
