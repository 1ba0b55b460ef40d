package test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fixtures is the shared real input: a year of invoice activity and the
// revenue it must produce, computed independently.
var fixtures = filepath.Join("..", "..", "shared", "fixtures")

type ledgerOp struct {
	Op         string `json:"op"`
	Ref        string `json:"ref"`
	CustomerID string `json:"customer_id"`
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
	IssuedAt   string `json:"issued_at"`
	Expect     int    `json:"expect"`
}

type expectedLedger struct {
	Totals []total `json:"totals"`
	Months []total `json:"months"`
}

// loadLedger groups the operations by invoice, in file order.
func loadLedger(t testing.TB) ([][]ledgerOp, expectedLedger) {
	t.Helper()

	f, err := os.Open(filepath.Join(fixtures, "ledger-2026.jsonl"))
	require.NoError(t, err, "the fixtures live in ../shared/fixtures beside the repository")
	defer f.Close()

	index := map[string]int{}
	var groups [][]ledgerOp
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		var op ledgerOp
		require.NoError(t, json.Unmarshal(scanner.Bytes(), &op))

		i, ok := index[op.Ref]
		if !ok {
			i = len(groups)
			index[op.Ref] = i
			groups = append(groups, nil)
		}

		groups[i] = append(groups[i], op)
	}
	require.NoError(t, scanner.Err())

	raw, err := os.ReadFile(filepath.Join(fixtures, "ledger-2026.expected.json"))
	require.NoError(t, err)

	var want expectedLedger
	require.NoError(t, json.Unmarshal(raw, &want))

	return groups, want
}

// replayLedger runs every invoice's operations in order, invoices
// concurrently over clients, and checks each status code.
func replayLedger(t testing.TB, svc *service, groups [][]ledgerOp, clients int) {
	t.Helper()

	jobs := make(chan []ledgerOp)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ops := range jobs {
				replayInvoice(t, svc, ops)
			}
		})
	}

	for _, g := range groups {
		jobs <- g
	}
	close(jobs)
	wg.Wait()
}

func replayInvoice(t testing.TB, svc *service, ops []ledgerOp) {
	var id string
	for _, op := range ops {
		var status int
		var out []byte
		if op.Op == "create" {
			body, err := json.Marshal(map[string]string{
				"customer_id": op.CustomerID, "amount": op.Amount, "currency": op.Currency, "issued_at": op.IssuedAt,
			})
			require.NoError(t, err)

			status, _, out = call(t, http.MethodPost, svc.URL+"/invoices", body)

			var inv invoice
			_ = json.Unmarshal(out, &inv)
			id = inv.ID
		} else {
			status, _, out = call(t, http.MethodPost, svc.URL+"/invoices/"+id+"/"+op.Op, nil)
		}

		require.Equal(t, op.Expect, status, "%s %s: %s", op.Ref, op.Op, out)
	}
}

func asRevenue(totals []total) revenue {
	r := revenue{}
	for _, tt := range totals {
		r[tt.Currency] = tt
	}

	return r
}

// TestLedger replays a year of real invoice activity and compares the
// revenue, in total and for every month, with the independent figures.
func TestLedger(t *testing.T) {
	t.Parallel()

	groups, want := loadLedger(t)
	forEachBackend(t, func(t *testing.T, b backend, svc *service) {
		replayLedger(t, svc, groups, 16)

		waitForRevenue(t, svc, "", asRevenue(want.Totals), time.Minute)

		months := map[string][]total{}
		for _, m := range want.Months {
			months[m.Month] = append(months[m.Month], m)
		}

		for month, totals := range months {
			require.Equal(t, asRevenue(totals), getRevenue(t, svc, month), "month %s", month)
		}
	})
}
