package httpapi

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/millrace/millrace/app"
	"github.com/millrace/millrace/app/query"
	"github.com/millrace/millrace/domain"
)

type eventHandlers struct {
	app    app.Application
	logger *slog.Logger
}

type eventsResponse struct {
	Events []storedEvent `json:"events"`
}

type storedEvent struct {
	Position   int64           `json:"position"`
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	OccurredAt string          `json:"occurred_at"`
	Payload    json.RawMessage `json:"payload"`
}

// list answers GET /events?after=<position>&limit=<n>.
func (h eventHandlers) list(w http.ResponseWriter, r *http.Request) {
	after, limit, err := eventsParams(r)
	if err != nil {
		writeError(w, r, err, h.logger)

		return
	}

	events, err := h.app.Queries.Events.Handle(r.Context(), after, limit)
	if err != nil {
		writeError(w, r, err, h.logger)

		return
	}

	resp := eventsResponse{Events: make([]storedEvent, 0, len(events))}
	for _, e := range events {
		resp.Events = append(resp.Events, storedEvent{
			Position:   e.Position,
			ID:         e.ID,
			Name:       e.Name,
			OccurredAt: e.OccurredAt.Format(time.RFC3339Nano),
			Payload:    payloadJSON(e.Payload),
		})
	}

	writeJSON(w, http.StatusOK, resp)
}

// eventsParams reads after (default 0) and limit (default and bounds from
// the query package); a bad value is a 400 naming the parameter.
func eventsParams(r *http.Request) (int64, int, error) {
	var v domain.ValidationError
	q := r.URL.Query()

	after := int64(0)
	if raw := q.Get("after"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			v.Add("after", "must be a position: an integer of 0 or more")
		}

		after = n
	}

	limit := query.DefaultEventsLimit
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > query.MaxEventsLimit {
			v.Add("limit", fmt.Sprintf("must be an integer from 1 to %d", query.MaxEventsLimit))
		}

		limit = n
	}

	if len(v.Problems) > 0 {
		return 0, 0, &invalidQuery{v: &v}
	}

	return after, limit, nil
}

// payloadJSON shows a JSON payload as it is and any other as a JSON
// string, so one unreadable event cannot break the listing.
func payloadJSON(p []byte) json.RawMessage {
	if json.Valid(p) {
		return p
	}

	quoted, _ := json.Marshal(string(p))

	return quoted
}
