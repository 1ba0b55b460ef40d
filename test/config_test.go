package test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBadConfigurationStopsTheProcess: a bad value stops the process at
// start with a non-zero code and a line naming the variable.
func TestBadConfigurationStopsTheProcess(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{name: "unknown backend", env: []string{"BACKEND=kafkaesque"}, want: []string{"BACKEND", "memory"}},
		{name: "unknown delivery", env: []string{"MEMORY_DELIVERY=eventually"}, want: []string{"MEMORY_DELIVERY", "async, sync"}},
		{name: "malformed duration", env: []string{"SHUTDOWN_TIMEOUT=soon"}, want: []string{"SHUTDOWN_TIMEOUT"}},
		{name: "malformed number", env: []string{"HANDLER_MAX_RETRIES=many"}, want: []string{"HANDLER_MAX_RETRIES"}},
		{name: "unknown log level", env: []string{"LOG_LEVEL=loud"}, want: []string{"LOG_LEVEL", "debug, info, warn, error"}},
		{name: "unknown role", env: nil, want: []string{"usage"}},
		{name: "sql without database", env: []string{"BACKEND=sql"}, want: []string{"DATABASE_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			args := []string{}
			if tt.name == "unknown role" {
				args = []string{"dance"}
			}

			out, err := runCommand(t, append(tt.env, "HTTP_ADDR="+freeAddr(t)), args...)
			require.Error(t, err, "the process must not start: %s", out)

			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.NotEmpty(t, lines)
			for _, w := range tt.want {
				require.Contains(t, out, w)
			}
		})
	}
}
