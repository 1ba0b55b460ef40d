package sqlbackend_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/internal/pgtest"
)

// A total that would overflow is refused: the worker's deferred writes of
// that batch fail, the batch is read again without deferral, the one event
// that overflows is poisoned and every other is applied.
func TestOverflowingEventIsPoisonedAndTheRestApplied(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	api := startService(t, db, "api")

	const huge = `{"customer_id":"c","amount":"999999999999999999","currency":"JPY","issued_at":"2026-03-01T00:00:00Z"}`
	for range 10 {
		require.NoError(t, post(api.url+"/invoices", huge, http.StatusCreated, nil))
	}
	require.NoError(t, post(api.url+"/invoices",
		`{"customer_id":"c","amount":"1.00","currency":"EUR"}`, http.StatusCreated, nil))

	// Started after the writes, so all of them land in one batch.
	startService(t, db, "worker")

	want := `{"totals":[{"currency":"EUR","billed":"1.00","collected":"0.00","outstanding":"1.00","invoices":1},` +
		`{"currency":"JPY","billed":"8999999999999999991","collected":"0","outstanding":"8999999999999999991","invoices":9}]}`
	waitFor(t, time.Minute, "nine JPY invoices and the EUR one in the revenue", func() bool {
		return revenue(t, api.url) == want
	})
	waitFor(t, time.Minute, "the overflowing event in the poison topic", func() bool {
		return count(t, db, `SELECT count(*) FROM watermill_poison WHERE metadata->>'reason_poisoned' LIKE '%overflow%'`) == 1
	})
}
