package sqlbackend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/domain"
)

// ledger is what the revenue must show for the invoices a workload made,
// in minor units per currency.
type ledger struct {
	mu     sync.Mutex
	totals map[string]*total
}

type total struct {
	billed, collected, invoices int64
}

var currencies = []string{"EUR", "USD", "JPY", "BHD"}

func newLedger() *ledger { return &ledger{totals: map[string]*total{}} }

func (l *ledger) record(currency string, minor int64, fate string) {
	l.mu.Lock()
	defer l.mu.Unlock()

	t, ok := l.totals[currency]
	if !ok {
		t = &total{}
		l.totals[currency] = t
	}

	switch fate {
	case "void":
	case "paid":
		t.billed += minor
		t.collected += minor
		t.invoices++
	default:
		t.billed += minor
		t.invoices++
	}
}

// want is the /revenue body the ledger expects.
func (l *ledger) want(t *testing.T) string {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()

	type row struct {
		Currency    string `json:"currency"`
		Billed      string `json:"billed"`
		Collected   string `json:"collected"`
		Outstanding string `json:"outstanding"`
		Invoices    int64  `json:"invoices"`
	}

	var rows []row
	for _, code := range []string{"BHD", "EUR", "JPY", "USD"} {
		tot, ok := l.totals[code]
		if !ok {
			continue
		}

		cur, err := domain.ParseCurrency(code)
		require.NoError(t, err)
		d := cur.Digits()
		rows = append(rows, row{code, domain.FormatMinor(tot.billed, d), domain.FormatMinor(tot.collected, d),
			domain.FormatMinor(tot.billed-tot.collected, d), tot.invoices})
	}

	body, err := json.Marshal(map[string]any{"totals": rows})
	require.NoError(t, err)

	return string(body)
}

// workload creates n invoices from clients concurrent clients through the
// API; a third is paid and a sixth voided afterwards.
func workload(apiURL string, n, clients int, l *ledger) error {
	jobs := make(chan int)
	errs := make(chan error, clients)

	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if err := oneInvoice(apiURL, l); err != nil {
					errs <- err

					return
				}
			}
		}()
	}

	for i := range n {
		select {
		case jobs <- i:
		case err := <-errs:
			close(jobs)
			wg.Wait()

			return err
		}
	}

	close(jobs)
	wg.Wait()
	close(errs)

	return <-errs
}

func oneInvoice(apiURL string, l *ledger) error {
	currency := currencies[rand.IntN(len(currencies))]
	cur, _ := domain.ParseCurrency(currency)
	minor := 1 + rand.Int64N(1_000_000)

	body := fmt.Sprintf(`{"customer_id":"c-%d","amount":%q,"currency":%q,"issued_at":"2026-%02d-15T10:00:00Z"}`,
		rand.IntN(100), domain.FormatMinor(minor, cur.Digits()), currency, 1+rand.IntN(12))

	var created struct{ ID string }
	if err := post(apiURL+"/invoices", body, http.StatusCreated, &created); err != nil {
		return err
	}

	fate := "open"
	switch rand.IntN(6) {
	case 0, 1:
		fate = "paid"
	case 2:
		fate = "void"
	}

	if fate != "open" {
		action := map[string]string{"paid": "pay", "void": "void"}[fate]
		if err := post(apiURL+"/invoices/"+created.ID+"/"+action, "", http.StatusOK, nil); err != nil {
			return err
		}
	}

	l.record(currency, minor, fate)

	return nil
}

func post(url, body string, want int, into any) error {
	resp, err := http.Post(url, "application/json", bytes.NewBufferString(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != want {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)

		return fmt.Errorf("POST %s: status %d, want %d: %s", url, resp.StatusCode, want, b.String())
	}

	if into == nil {
		return nil
	}

	return json.NewDecoder(resp.Body).Decode(into)
}

// revenue is the /revenue body, re-encoded so it compares with want.
func revenue(t *testing.T, url string) string {
	t.Helper()

	resp, err := http.Get(url + "/revenue")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	var body struct {
		Totals []struct {
			Currency    string `json:"currency"`
			Billed      string `json:"billed"`
			Collected   string `json:"collected"`
			Outstanding string `json:"outstanding"`
			Invoices    int64  `json:"invoices"`
		} `json:"totals"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))

	if len(body.Totals) == 0 {
		return `{"totals":null}`
	}

	out, err := json.Marshal(body)
	require.NoError(t, err)

	return string(out)
}

// waitRevenue waits until the API reports the ledger's totals.
func waitRevenue(t *testing.T, url string, l *ledger, timeout time.Duration) {
	t.Helper()

	want := l.want(t)
	got := ""
	deadline := time.Now().Add(timeout)
	for {
		if got = revenue(t, url); got == want {
			return
		}

		if time.Now().After(deadline) {
			t.Fatalf("revenue after %s:\n got %s\nwant %s", timeout, got, want)
		}

		time.Sleep(50 * time.Millisecond)
	}
}

// count runs a counting query on the test's database.
func count(t *testing.T, dbURL, sql string, args ...any) int64 {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)

	var n int64
	require.NoError(t, conn.QueryRow(ctx, sql, args...).Scan(&n))

	return n
}
