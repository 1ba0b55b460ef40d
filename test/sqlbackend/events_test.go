package sqlbackend_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/internal/pgtest"
)

type eventList struct {
	Events []struct {
		Position   int64           `json:"position"`
		ID         string          `json:"id"`
		Name       string          `json:"name"`
		OccurredAt string          `json:"occurred_at"`
		Payload    json.RawMessage `json:"payload"`
	} `json:"events"`
}

// GET /events pages through the stored events in position order.
func TestListEvents(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	api := startService(t, db, "api")

	l := newLedger()
	require.NoError(t, workload(api.url, 20, 4, l))
	stored := count(t, db, eventsStored)

	var seen []int64
	after := int64(0)
	for {
		var page eventList
		require.Equal(t, http.StatusOK, getJSON(t, fmt.Sprintf("%s/events?after=%d&limit=7", api.url, after), &page))
		if len(page.Events) == 0 {
			break
		}

		require.LessOrEqual(t, len(page.Events), 7)
		for _, e := range page.Events {
			require.Greater(t, e.Position, after)
			require.Contains(t, []string{"invoice.created", "invoice.paid", "invoice.voided"}, e.Name)
			require.NotEmpty(t, e.ID)
			require.NotEmpty(t, e.OccurredAt)
			require.True(t, json.Valid(e.Payload))
			after = e.Position
			seen = append(seen, e.Position)
		}
	}
	require.EqualValues(t, stored, len(seen))

	for _, query := range []string{"after=-1", "after=x", "limit=0", "limit=1001", "limit=x"} {
		var problem struct{ Status int }
		require.Equal(t, http.StatusBadRequest, getJSON(t, api.url+"/events?"+query, &problem), query)
		require.Equal(t, http.StatusBadRequest, problem.Status)
	}
}

// The memory backend keeps no event log and says so.
func TestListEventsWithoutEventLog(t *testing.T) {
	t.Parallel()
	svc := startService(t, "", "serve", "BACKEND=memory")

	var problem struct{ Detail string }
	require.Equal(t, http.StatusNotImplemented, getJSON(t, svc.url+"/events", &problem))
	require.Contains(t, problem.Detail, "BACKEND=sql")
}

func getJSON(t *testing.T, url string, into any) int {
	t.Helper()

	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(into))

	return resp.StatusCode
}
