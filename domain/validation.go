package domain

import (
	"fmt"
	"strings"
)

// FieldProblem is one invalid input field and why.
type FieldProblem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ValidationError lists every problem found in one input.
type ValidationError struct {
	Problems []FieldProblem
}

// Add records a problem with field.
func (v *ValidationError) Add(field, reason string) {
	v.Problems = append(v.Problems, FieldProblem{Field: field, Reason: reason})
}

// Err returns v when it holds a problem, nil otherwise.
func (v *ValidationError) Err() error {
	if len(v.Problems) == 0 {
		return nil
	}

	return v
}

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Problems))
	for i, p := range v.Problems {
		parts[i] = fmt.Sprintf("%s: %s", p.Field, p.Reason)
	}

	return "invalid input: " + strings.Join(parts, "; ")
}
