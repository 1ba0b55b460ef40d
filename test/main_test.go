package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/millrace/millrace/internal/pgtest"
)

// binary is the service built once for every test of the package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "service-under-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temp dir:", err)
		os.Exit(2)
	}

	binary = filepath.Join(dir, "service")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}

	build := exec.Command("go", append(args, "..")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the service:", err)
		os.Exit(2)
	}

	// A private PostgreSQL when its binaries are at hand: on a shared
	// server another suite's open transaction stalls the SQL backend's
	// workers (see internal/pgtest).
	code := pgtest.Main(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
