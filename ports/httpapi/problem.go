package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/millrace/millrace/app/command"
	"github.com/millrace/millrace/app/query"
	"github.com/millrace/millrace/domain"
)

// problem is an RFC 9457 problem details body.
type problem struct {
	Type   string                `json:"type"`
	Title  string                `json:"title"`
	Status int                   `json:"status"`
	Detail string                `json:"detail,omitempty"`
	Fields []domain.FieldProblem `json:"fields,omitempty"`
}

func writeProblem(w http.ResponseWriter, p problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}

	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeError maps an application error to its status by its kind; only
// what is not expected is an internal error, and only that is logged.
func writeError(w http.ResponseWriter, r *http.Request, err error, logger *slog.Logger) {
	var (
		invalid  *domain.ValidationError
		badQuery *invalidQuery
	)

	switch {
	case errors.As(err, &badQuery):
		writeProblem(w, problem{
			Status: http.StatusBadRequest,
			Title:  "invalid query",
			Fields: badQuery.v.Problems,
		})
	case errors.As(err, &invalid):
		writeProblem(w, problem{
			Status: http.StatusUnprocessableEntity,
			Title:  "invalid input",
			Fields: invalid.Problems,
		})
	case errors.Is(err, domain.ErrInvoiceNotFound):
		writeProblem(w, problem{Status: http.StatusNotFound, Title: "invoice not found", Detail: err.Error()})
	case errors.Is(err, domain.ErrTransitionNotAllowed):
		writeProblem(w, problem{Status: http.StatusConflict, Title: "transition not allowed", Detail: err.Error()})
	case errors.Is(err, command.ErrIdempotencyKeyReused):
		writeProblem(w, problem{
			Status: http.StatusUnprocessableEntity,
			Title:  "idempotency key reused",
			Detail: "this Idempotency-Key was first used for a different request",
		})
	case errors.Is(err, query.ErrNoEventLog):
		writeProblem(w, problem{Status: http.StatusNotImplemented, Title: "no event log", Detail: err.Error()})
	case errors.Is(err, query.ErrInvalidMonth):
		writeProblem(w, problem{
			Status: http.StatusBadRequest,
			Title:  "invalid query",
			Fields: []domain.FieldProblem{{Field: "month", Reason: err.Error()}},
		})
	default:
		logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		writeProblem(w, problem{Status: http.StatusInternalServerError, Title: "internal error"})
	}
}

// invalidQuery is a validation error in the query string: a 400, where an
// invalid body is a 422.
type invalidQuery struct {
	v *domain.ValidationError
}

func (e *invalidQuery) Error() string { return e.v.Error() }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	writeProblem(w, problem{Status: http.StatusNotFound, Title: "no such resource"})
}

func methodNotAllowed(w http.ResponseWriter, _ *http.Request) {
	writeProblem(w, problem{Status: http.StatusMethodNotAllowed, Title: "method not allowed"})
}
