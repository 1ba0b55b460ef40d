package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/millrace/millrace/domain"
)

// readBody reads the whole body, answering 413 past MaxBodyBytes and 400
// when it is empty. It reports whether the caller may go on.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)

	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeProblem(w, problem{
			Status: http.StatusRequestEntityTooLarge,
			Title:  "body too large",
			Detail: fmt.Sprintf("the body may hold at most %d bytes", tooLarge.Limit),
		})

		return nil, false
	case err != nil:
		writeProblem(w, problem{Status: http.StatusBadRequest, Title: "unreadable body", Detail: err.Error()})

		return nil, false
	case len(bytes.TrimSpace(body)) == 0:
		writeProblem(w, problem{Status: http.StatusBadRequest, Title: "empty body", Detail: "a JSON object is required"})

		return nil, false
	}

	return body, true
}

// decodeObject reads exactly one JSON object into v: unknown fields,
// trailing data and values of the wrong type are refused with 400.
func decodeObject(w http.ResponseWriter, body []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()

	err := dec.Decode(v)
	if err == nil {
		if _, tokenErr := dec.Token(); tokenErr != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}

	if err == nil {
		return true
	}

	p := problem{Status: http.StatusBadRequest, Title: "malformed JSON", Detail: err.Error()}

	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		p.Fields = []domain.FieldProblem{{Field: typeErr.Field, Reason: "must be a JSON " + typeErr.Type.String()}}
	}

	writeProblem(w, p)

	return false
}
