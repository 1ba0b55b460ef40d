package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/config"
)

func TestDefaults(t *testing.T) {
	t.Parallel()

	cfg, err := config.Load(nil)
	require.NoError(t, err)
	require.Equal(t, "memory", cfg.Backend)
	require.Equal(t, "async", cfg.MemoryDelivery)
	require.Equal(t, ":8080", cfg.HTTPAddr)
	require.Equal(t, 30*time.Second, cfg.ShutdownTimeout)
}

func TestEveryProblemIsReportedOnItsOwnLine(t *testing.T) {
	t.Parallel()

	_, err := config.Load([]string{
		"BACKEND=nope",
		"SHUTDOWN_TIMEOUT=abc",
		"HANDLER_MAX_RETRIES=many",
		"LOG_FORMAT=xml",
		"HANDLER_RETRY_INTERVAL=2s",
		"HANDLER_MAX_RETRY_INTERVAL=1s",
	})
	require.Error(t, err)

	lines := strings.Split(err.Error(), "\n")
	require.ElementsMatch(t, []string{
		`SHUTDOWN_TIMEOUT must be a Go duration such as 500ms or 30s`,
		`HANDLER_MAX_RETRIES must be a whole number`,
		`BACKEND="nope" is not accepted: use one of ` + strings.Join(config.Backends, ", "),
		`LOG_FORMAT="xml" is not accepted: use one of text, json`,
		`HANDLER_MAX_RETRY_INTERVAL must not be below HANDLER_RETRY_INTERVAL`,
	}, lines)
}

func TestRedact(t *testing.T) {
	t.Parallel()

	require.Equal(t, "postgres://app:xxxxx@db:5432/billing", config.Redact("postgres://app:secret@db:5432/billing"))
	require.Equal(t, "redis://127.0.0.1:6379/2", config.Redact("redis://127.0.0.1:6379/2"))
}

func TestSQLBackendNeedsDatabaseURL(t *testing.T) {
	t.Parallel()

	_, err := config.Load([]string{"BACKEND=sql"})
	require.ErrorContains(t, err, "DATABASE_URL is required with BACKEND=sql")

	cfg, err := config.Load([]string{"BACKEND=sql", "DATABASE_URL=postgres://db/app", "MIGRATE_ON_START=false"})
	require.NoError(t, err)
	require.False(t, cfg.MigrateOnStart)
	require.Equal(t, 100, cfg.SQLBatchSize)
}
