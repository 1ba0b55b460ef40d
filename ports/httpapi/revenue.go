package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/millrace/millrace/app"
)

type revenueHandlers struct {
	app    app.Application
	logger *slog.Logger
}

type revenueResponse struct {
	Totals []revenueTotal `json:"totals"`
}

type revenueTotal struct {
	Month       string `json:"month,omitempty"`
	Currency    string `json:"currency"`
	Billed      string `json:"billed"`
	Collected   string `json:"collected"`
	Outstanding string `json:"outstanding"`
	Invoices    int64  `json:"invoices"`
}

// totals answers GET /revenue, of one issue month with ?month=YYYY-MM.
func (h revenueHandlers) totals(w http.ResponseWriter, r *http.Request) {
	month := r.URL.Query().Get("month")

	totals, err := h.app.Queries.Revenue.Handle(r.Context(), month)
	if err != nil {
		writeError(w, r, err, h.logger)

		return
	}

	resp := revenueResponse{Totals: make([]revenueTotal, 0, len(totals))}
	for _, t := range totals {
		resp.Totals = append(resp.Totals, revenueTotal{
			Month:       month,
			Currency:    t.Currency.Code(),
			Billed:      t.Billed.String(),
			Collected:   t.Collected.String(),
			Outstanding: t.Outstanding.String(),
			Invoices:    t.Invoices,
		})
	}

	writeJSON(w, http.StatusOK, resp)
}
