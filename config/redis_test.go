package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/config"
)

func TestRedisVariables(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		environ []string
		problem string
	}{
		{name: "not needed by other backends", environ: []string{"BACKEND=memory"}},
		{name: "url required", environ: []string{"BACKEND=redis"}, problem: "REDIS_URL is required with BACKEND=redis"},
		{name: "database number required", environ: []string{"BACKEND=redis", "REDIS_URL=redis://127.0.0.1:6379"},
			problem: `REDIS_URL="redis://127.0.0.1:6379" must be a URL`},
		{name: "scheme checked, password masked", environ: []string{"BACKEND=redis", "REDIS_URL=http://u:secret@h:1/0"},
			problem: `REDIS_URL="http://u:xxxxx@h:1/0"`},
		{name: "claim delay parsed", environ: []string{"BACKEND=redis", "REDIS_URL=redis://h:1/0", "REDIS_CLAIM_AFTER=soon"},
			problem: "REDIS_CLAIM_AFTER must be a Go duration"},
		{name: "claim delay positive", environ: []string{"BACKEND=redis", "REDIS_URL=redis://h:1/0", "REDIS_CLAIM_AFTER=0s"},
			problem: "REDIS_CLAIM_AFTER must be a positive Go duration"},
		{name: "maxlen not negative", environ: []string{"BACKEND=redis", "REDIS_URL=redis://h:1/0", "REDIS_MAXLEN=-1"},
			problem: "REDIS_MAXLEN must be 0 (unbounded) or more"},
		{name: "readers at least one", environ: []string{"BACKEND=redis", "REDIS_URL=redis://h:1/0", "REDIS_READERS=0"},
			problem: "REDIS_READERS must be 1 or more"},
		{name: "tls and password accepted", environ: []string{"BACKEND=redis", "REDIS_URL=rediss://u:p@h:6380/3"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := config.Load(tt.environ)
			if tt.problem == "" {
				require.NoError(t, err)

				return
			}

			require.ErrorContains(t, err, tt.problem)
			require.NotContains(t, err.Error(), "secret")
		})
	}
}

func TestRedisDefaults(t *testing.T) {
	t.Parallel()

	cfg, err := config.Load([]string{"BACKEND=redis", "REDIS_URL=redis://127.0.0.1:6379/0"})
	require.NoError(t, err)

	require.Equal(t, config.Redis{
		URL:             "redis://127.0.0.1:6379/0",
		ClaimAfter:      30 * time.Second,
		NackDelay:       time.Second,
		MaxLen:          1_000_000,
		Readers:         8,
		OutboxRetention: 24 * time.Hour,
	}, cfg.Redis)
}
