package test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64},
}

type invoice struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
	Status     string `json:"status"`
	IssuedAt   string `json:"issued_at"`
}

type total struct {
	Month       string `json:"month,omitempty"`
	Currency    string `json:"currency"`
	Billed      string `json:"billed"`
	Collected   string `json:"collected"`
	Outstanding string `json:"outstanding"`
	Invoices    int64  `json:"invoices"`
}

// revenue is GET /revenue keyed by currency.
type revenue map[string]total

type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Fields []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"fields"`
}

// call sends a request and returns the status, the content type and the
// body. A transport error fails the test.
func call(t testing.TB, method, url string, body []byte, headers ...string) (int, string, []byte) {
	t.Helper()

	req, err := http.NewRequestWithContext(context.Background(), method, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}

	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()

	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	return resp.StatusCode, resp.Header.Get("Content-Type"), out
}

func createInvoice(t testing.TB, svc *service, customer, amount, currency, issuedAt string) invoice {
	t.Helper()

	body := map[string]string{"customer_id": customer, "amount": amount, "currency": currency}
	if issuedAt != "" {
		body["issued_at"] = issuedAt
	}

	raw, err := json.Marshal(body)
	require.NoError(t, err)

	status, _, out := call(t, http.MethodPost, svc.URL+"/invoices", raw)
	require.Equal(t, http.StatusCreated, status, string(out))

	var inv invoice
	require.NoError(t, json.Unmarshal(out, &inv))

	return inv
}

func transition(t testing.TB, svc *service, id, action string) int {
	t.Helper()

	status, _, _ := call(t, http.MethodPost, svc.URL+"/invoices/"+id+"/"+action, nil)

	return status
}

func getRevenue(t testing.TB, svc *service, month string) revenue {
	t.Helper()

	url := svc.URL + "/revenue"
	if month != "" {
		url += "?month=" + month
	}

	status, _, out := call(t, http.MethodGet, url, nil)
	require.Equal(t, http.StatusOK, status, string(out))

	var body struct {
		Totals []total `json:"totals"`
	}
	require.NoError(t, json.Unmarshal(out, &body))

	r := revenue{}
	for _, tt := range body.Totals {
		r[tt.Currency] = tt
	}

	return r
}

// waitForRevenue polls GET /revenue until it equals want or the deadline
// passes, then reports the difference.
func waitForRevenue(t testing.TB, svc *service, month string, want revenue, within time.Duration) {
	t.Helper()

	deadline := time.Now().Add(within)
	for {
		got := getRevenue(t, svc, month)
		if maps.Equal(got, want) {
			return
		}

		if time.Now().After(deadline) {
			require.Equal(t, want, got, "revenue for month %q after %s", month, within)
		}

		time.Sleep(50 * time.Millisecond)
	}
}

func requireProblem(t testing.TB, status int, contentType string, body []byte, wantStatus int) problem {
	t.Helper()

	require.Equal(t, wantStatus, status, string(body))
	require.True(t, strings.HasPrefix(contentType, "application/problem+json"), contentType)

	var p problem
	require.NoError(t, json.Unmarshal(body, &p), string(body))
	require.Equal(t, wantStatus, p.Status)
	require.NotEmpty(t, p.Title)

	return p
}

// expectProblem sends a request that must fail with wantStatus and a
// problem+json body, and returns the problem.
func expectProblem(t testing.TB, wantStatus int, method, url string, body []byte, headers ...string) problem {
	t.Helper()

	status, contentType, out := call(t, method, url, body, headers...)

	return requireProblem(t, status, contentType, out, wantStatus)
}
