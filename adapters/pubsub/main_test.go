package pubsub_test

import (
	"os"
	"testing"

	"github.com/millrace/millrace/internal/pgtest"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}
