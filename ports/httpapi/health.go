package httpapi

import (
	"context"
	"net/http"
	"time"
)

// ReadinessCheck reports whether the store and the transport can be used.
type ReadinessCheck func(ctx context.Context) error

type healthHandlers struct {
	ready ReadinessCheck
}

// live answers 200 while the process serves at all.
func (h healthHandlers) live(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readiness answers 503 while a dependency cannot be reached.
func (h healthHandlers) readiness(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()

	if err := h.ready(ctx); err != nil {
		writeProblem(w, problem{Status: http.StatusServiceUnavailable, Title: "not ready", Detail: err.Error()})

		return
	}

	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
