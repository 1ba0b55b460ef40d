package test

import (
	"os"
	"testing"

	"github.com/millrace/millrace/test/harness"
)

// binary is the service built once for every test of the package.
var binary harness.Binary

// TestMain runs the tests on a private PostgreSQL when its binaries are at
// hand: on a shared server another suite's open transaction stalls the SQL
// backend's workers (see internal/pgtest).
func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, "..", raceEnabled, func(b harness.Binary) { binary = b }))
}
