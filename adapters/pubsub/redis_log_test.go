package pubsub

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestErrorLimitLetsEachMessageThroughOncePerPeriod(t *testing.T) {
	t.Parallel()

	limit := &errorLimit{last: map[string]time.Time{}}
	start := time.Now()

	require.True(t, limit.allow("read fail", start))
	require.False(t, limit.allow("read fail", start.Add(readerErrorEvery-time.Millisecond)))
	require.True(t, limit.allow("xclaim fail", start), "another message has its own period")
	require.True(t, limit.allow("read fail", start.Add(readerErrorEvery)))
}
