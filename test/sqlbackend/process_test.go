package sqlbackend_test

import (
	"os"
	"testing"

	"github.com/millrace/millrace/test/harness"
)

// binary is the service built once for the package's tests.
var binary harness.Binary

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, "../..", false, func(b harness.Binary) { binary = b }))
}

// sqlEnv is the environment of a BACKEND=sql process on dbURL.
func sqlEnv(dbURL string, env ...string) []string {
	return append([]string{"BACKEND=sql", "DATABASE_URL=" + dbURL, "HANDLER_RETRY_INTERVAL=10ms"}, env...)
}

// startService runs role against the database until the test ends.
func startService(t *testing.T, dbURL, role string, env ...string) *harness.Service {
	t.Helper()

	return binary.Start(t, sqlEnv(dbURL, env...), role)
}

// runCommand runs a one-shot role such as replay and returns its output.
func runCommand(t *testing.T, dbURL, role string, env ...string) (string, error) {
	t.Helper()

	return binary.Run(t, sqlEnv(dbURL, env...), role)
}
