package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/millrace/millrace/app"
)

// NewHandler serves the application's HTTP API. ready answers /readyz.
func NewHandler(application app.Application, ready ReadinessCheck, logger *slog.Logger) http.Handler {
	invoices := invoiceHandlers{app: application, logger: logger}
	revenue := revenueHandlers{app: application, logger: logger}
	health := healthHandlers{ready: ready}
	events := eventHandlers{app: application, logger: logger}

	r := mux.NewRouter()
	r.HandleFunc("/invoices", invoices.create).Methods(http.MethodPost)
	r.HandleFunc("/invoices/{id}", invoices.get).Methods(http.MethodGet)
	r.HandleFunc("/invoices/{id}/pay", invoices.pay).Methods(http.MethodPost)
	r.HandleFunc("/invoices/{id}/void", invoices.void).Methods(http.MethodPost)
	r.HandleFunc("/revenue", revenue.totals).Methods(http.MethodGet)
	r.HandleFunc("/events", events.list).Methods(http.MethodGet)
	r.NotFoundHandler = http.HandlerFunc(notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(methodNotAllowed)

	return withMiddleware(r, health, logger)
}

// NewProbeHandler serves only /healthz and /readyz, for worker processes.
func NewProbeHandler(ready ReadinessCheck, logger *slog.Logger) http.Handler {
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(notFound)

	return withMiddleware(r, healthHandlers{ready: ready}, logger)
}

func withMiddleware(r *mux.Router, health healthHandlers, logger *slog.Logger) http.Handler {
	r.HandleFunc("/healthz", health.live).Methods(http.MethodGet)
	r.HandleFunc("/readyz", health.readiness).Methods(http.MethodGet)

	return recoverPanics(withCorrelationID(limitBody(r)), logger)
}

// pathID is the {id} of the route.
func pathID(r *http.Request) string {
	return mux.Vars(r)["id"]
}
