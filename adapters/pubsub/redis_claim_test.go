package pubsub_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/internal/redistest"
)

const (
	claimTopic = "claims"
	claimGroup = "claimers"
)

// TestRedisClaimsDeadConsumersMessages: messages a consumer took and never
// acknowledged, because it died, are delivered to a live one once they
// have been idle for ClaimAfter.
func TestRedisClaimsDeadConsumersMessages(t *testing.T) {
	t.Parallel()

	cfg := redisConfig(t)
	cfg.ClaimAfter = 300 * time.Millisecond
	cfg.Readers = 2

	dead := newRedis(t, cfg, quietLogger())
	t.Cleanup(func() { _ = dead.Close() })
	published := publishN(t, dead.Publisher, 20)

	taken := receiveOneAndDie(t, dead.NewSubscriber)

	live := newRedis(t, cfg, quietLogger())
	t.Cleanup(func() { _ = live.Close() })
	sub, err := live.NewSubscriber(claimGroup)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Close() })

	got := receiveUntil(t, sub, func(seen map[string]bool) bool { return len(seen) == len(published) })
	require.Equal(t, published, got)
	require.True(t, got[taken], "the dead consumer's message is claimed")

	client := redistest.Client(t, cfg.URL)
	require.Eventually(t, func() bool {
		pending, err := client.XPending(context.Background(), cfg.StreamPrefix+claimTopic, claimGroup).Result()

		return err == nil && pending.Count == 0
	}, 10*time.Second, 20*time.Millisecond, "every message acknowledged")
}

// TestRedisAcknowledgesTrimmedPendingEntries: a pending entry whose message
// was trimmed away is acknowledged and logged instead of being claimed
// again and again, and consumption goes on.
func TestRedisAcknowledgesTrimmedPendingEntries(t *testing.T) {
	t.Parallel()

	cfg := redisConfig(t)
	cfg.ClaimAfter = 200 * time.Millisecond
	cfg.Readers = 1
	stream := cfg.StreamPrefix + claimTopic
	client := redistest.Client(t, cfg.URL)

	dead := newRedis(t, cfg, quietLogger())
	t.Cleanup(func() { _ = dead.Close() })
	publishN(t, dead.Publisher, 5)
	receiveOneAndDie(t, dead.NewSubscriber)
	require.NoError(t, client.XTrimMaxLen(context.Background(), stream, 0).Err())

	logs := &lockedBuffer{}
	live := newRedis(t, cfg, slog.New(slog.NewTextHandler(logs, nil)))
	t.Cleanup(func() { _ = live.Close() })
	sub, err := live.NewSubscriber(claimGroup)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Close() })

	messages, err := sub.Subscribe(context.Background(), claimTopic)
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		pending, err := client.XPending(context.Background(), stream, claimGroup).Result()

		return err == nil && pending.Count == 0
	}, 10*time.Second, 20*time.Millisecond, "the trimmed entries are acknowledged")
	require.Contains(t, logs.String(), "trimmed before it was processed")

	fresh := publishN(t, live.Publisher, 1)
	select {
	case msg := <-messages:
		require.True(t, fresh[msg.UUID], "only the new message is left to deliver")
		msg.Ack()
	case <-time.After(10 * time.Second):
		t.Fatal("the message published after the trim was not delivered")
	}
}

func publishN(t *testing.T, publisher message.Publisher, n int) map[string]bool {
	t.Helper()

	ids := map[string]bool{}
	for range n {
		msg := message.NewMessage(newID(), []byte(`{}`))
		require.NoError(t, publisher.Publish(claimTopic, msg))
		ids[msg.UUID] = true
	}

	return ids
}

// receiveOneAndDie subscribes, takes one message without acknowledging it
// and stops, leaving what it read pending. It returns the message's UUID.
func receiveOneAndDie(t *testing.T, newSubscriber func(string) (message.Subscriber, error)) string {
	t.Helper()

	sub, err := newSubscriber(claimGroup)
	require.NoError(t, err)

	messages, err := sub.Subscribe(context.Background(), claimTopic)
	require.NoError(t, err)

	var taken string
	select {
	case msg := <-messages:
		taken = msg.UUID
	case <-time.After(10 * time.Second):
		t.Fatal("the first consumer received nothing")
	}

	require.NoError(t, sub.Close())

	return taken
}

func receiveUntil(t *testing.T, sub message.Subscriber, done func(map[string]bool) bool) map[string]bool {
	t.Helper()

	messages, err := sub.Subscribe(context.Background(), claimTopic)
	require.NoError(t, err)

	seen := map[string]bool{}
	deadline := time.After(15 * time.Second)
	for !done(seen) {
		select {
		case msg := <-messages:
			seen[msg.UUID] = true
			msg.Ack()
		case <-deadline:
			t.Fatalf("received %d distinct messages before the deadline", len(seen))
		}
	}

	return seen
}

// lockedBuffer collects log output written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return strings.Clone(b.buf.String())
}

// TestRedisBoundsStreamLength: with MaxLen set, a stream is trimmed as it
// grows. Trimming is approximate: Redis drops whole nodes of entries (100
// by default), so the length stays within a node of the bound.
func TestRedisBoundsStreamLength(t *testing.T) {
	t.Parallel()

	cfg := redisConfig(t)
	cfg.MaxLen = 10
	backend := newRedis(t, cfg, quietLogger())
	t.Cleanup(func() { _ = backend.Close() })

	publishN(t, backend.Publisher, 1000)

	length, err := redistest.Client(t, cfg.URL).XLen(context.Background(), cfg.StreamPrefix+claimTopic).Result()
	require.NoError(t, err)
	require.LessOrEqual(t, length, int64(10+100))
}
