package test

import (
	"fmt"
	"os"
	"testing"

	"github.com/millrace/millrace/internal/pgtest"
	"github.com/millrace/millrace/test/harness"
)

// binary is the service built once for every test of the package.
var binary harness.Binary

func TestMain(m *testing.M) {
	built, remove, err := harness.Build("..", raceEnabled)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	binary = built

	// A private PostgreSQL when its binaries are at hand: on a shared
	// server another suite's open transaction stalls the SQL backend's
	// workers (see internal/pgtest).
	code := pgtest.Main(m)
	remove()
	os.Exit(code)
}
