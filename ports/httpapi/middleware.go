package httpapi

import (
	"log/slog"
	"net/http"
	"regexp"

	"github.com/google/uuid"

	"github.com/millrace/millrace/app/correlation"
)

// MaxBodyBytes bounds a request body; larger ones answer 413.
const MaxBodyBytes = 1 << 20

// CorrelationHeader carries a request's correlation ID in and out.
const CorrelationHeader = "X-Correlation-ID"

var correlationPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// withCorrelationID takes the caller's correlation ID when it is sane and
// makes one otherwise, so every event the request raises carries it.
func withCorrelationID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(CorrelationHeader)
		if !correlationPattern.MatchString(id) {
			id = uuid.NewString()
		}

		w.Header().Set(CorrelationHeader, id)
		next.ServeHTTP(w, r.WithContext(correlation.With(r.Context(), id)))
	})
}

func recoverPanics(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}

				logger.ErrorContext(r.Context(), "http handler panicked", "panic", p, "path", r.URL.Path)
				writeProblem(w, problem{Status: http.StatusInternalServerError, Title: "internal error"})
			}
		}()

		next.ServeHTTP(w, r)
	})
}
