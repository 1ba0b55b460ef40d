package redis_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/test/harness"
)

// binary is the service, built once for the package's tests.
var binary harness.Binary

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, "../..", false, func(b harness.Binary) { binary = b }))
}

// service is one running process of the binary, with the requests the
// tests make of it.
type service struct {
	*harness.Service
}

// startService runs the all-in-one role; see startRole.
func startService(t *testing.T, env ...string) *service {
	t.Helper()

	return startRole(t, "serve", env...)
}

// startRole runs the binary's role with env until the test ends.
func startRole(t *testing.T, role string, env ...string) *service {
	t.Helper()

	return &service{binary.Start(t, env, role)}
}

func (s *service) status(path string) int {
	return harness.Get(s.URL + path)
}

// create posts an invoice and returns the status code.
func (s *service) create(t *testing.T, amount string) int {
	t.Helper()

	body := fmt.Sprintf(`{"customer_id":"c-1","amount":%q,"currency":"EUR","issued_at":"2026-11-05T10:00:00Z"}`, amount)
	resp, err := http.Post(s.URL+"/invoices", "application/json", strings.NewReader(body))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()

	return resp.StatusCode
}

type revenueTotal struct {
	Currency string `json:"currency"`
	Billed   string `json:"billed"`
	Invoices int64  `json:"invoices"`
}

// revenue is the EUR total, zero when there is none yet.
func (s *service) revenue(t *testing.T) revenueTotal {
	t.Helper()

	resp, err := http.Get(s.URL + "/revenue")
	require.NoError(t, err)
	defer resp.Body.Close()

	var body struct{ Totals []revenueTotal }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	for _, total := range body.Totals {
		if total.Currency == "EUR" {
			return total
		}
	}

	return revenueTotal{}
}

// waitRevenue waits up to 30s until the projection counts invoices worth
// billed.
func (s *service) waitRevenue(t *testing.T, invoices int64, billed string) {
	t.Helper()

	s.waitRevenueWithin(t, 30*time.Second, invoices, billed)
}

func (s *service) waitRevenueWithin(t *testing.T, within time.Duration, invoices int64, billed string) {
	t.Helper()

	var last revenueTotal
	deadline := time.Now().Add(within)
	for {
		last = s.revenue(t)
		if last.Invoices == invoices && last.Billed == billed {
			return
		}

		if time.Now().After(deadline) {
			t.Fatalf("revenue is %+v, want %d invoices billing %s", last, invoices, billed)
		}

		time.Sleep(20 * time.Millisecond)
	}
}

// runOnce runs the binary's role (the default one when empty) to its end
// and returns its output and error.
func runOnce(t *testing.T, role string, env ...string) (string, error) {
	t.Helper()

	var args []string
	if role != "" {
		args = append(args, role)
	}

	return binary.Run(t, env, args...)
}

func discardLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}
