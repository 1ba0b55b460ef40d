package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/redis/go-redis/v9"
)

// redisSubscriber subscribes one consumer group. Each subscription runs
// cfg.Readers redisstream consumers on their own connections and merges
// their messages: the library hands out one message at a time per
// consumer, so several consumers are what lets handlers run concurrently.
type redisSubscriber struct {
	cfg      RedisConfig
	opts     *redis.Options
	group    string
	consumer string
	logger   *slog.Logger

	// readerLog is shared by the subscription's readers, so that an error
	// they all hit, such as Redis being down, is logged once in a while.
	readerLog watermill.LoggerAdapter

	mu      sync.Mutex
	readers []*redisstream.Subscriber
	closing chan struct{}
	closed  bool
	wg      sync.WaitGroup
}

func newRedisSubscriber(
	cfg RedisConfig, opts *redis.Options, group, consumer string, logger *slog.Logger,
) *redisSubscriber {
	return &redisSubscriber{
		cfg:       cfg,
		opts:      opts,
		group:     group,
		consumer:  consumer,
		logger:    logger,
		readerLog: newReaderLog(logger),
		closing:   make(chan struct{}),
	}
}

// Subscribe implements message.Subscriber.
func (s *redisSubscriber) Subscribe(
	ctx context.Context, topic string,
) (<-chan *message.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return nil, errors.New("redis subscriber closed")
	}

	stream := s.cfg.StreamPrefix + topic
	out := make(chan *message.Message)
	var forwarding sync.WaitGroup

	for i := range s.cfg.Readers {
		reader, err := s.newReader(stream, fmt.Sprintf("%s-%d", s.consumer, i))
		if err != nil {
			return nil, err
		}

		s.readers = append(s.readers, reader)

		messages, err := reader.Subscribe(ctx, stream)
		if err != nil {
			return nil, fmt.Errorf("subscribe %s to %s: %w", s.group, stream, err)
		}

		forwarding.Add(1)
		go s.forward(messages, out, &forwarding)
	}

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		forwarding.Wait()
		close(out)
	}()

	return out, nil
}

// forward passes messages on until the subscriber closes. A message that
// is dropped here was never acknowledged, so it stays pending in Redis and
// is claimed later.
func (s *redisSubscriber) forward(
	in <-chan *message.Message, out chan<- *message.Message, wg *sync.WaitGroup,
) {
	defer wg.Done()

	for msg := range in {
		select {
		case out <- msg:
		case <-s.closing:
			return
		}
	}
}

func (s *redisSubscriber) newReader(stream, consumer string) (*redisstream.Subscriber, error) {
	client := redis.NewClient(s.opts)
	reader, err := redisstream.NewSubscriber(redisstream.SubscriberConfig{
		Client:                        client,
		Unmarshaller:                  tolerantUnmarshaller{},
		Consumer:                      consumer,
		ConsumerGroup:                 s.group,
		NackResendSleep:               s.cfg.NackDelay,
		ClaimInterval:                 claimInterval(s.cfg.ClaimAfter),
		MaxIdleTime:                   s.cfg.ClaimAfter,
		ShouldClaimPendingMessage:     s.claimable(client, stream),
		ShouldStopOnReadErrors:        s.recoverRead(client, stream),
		DisableIndefiniteInitialBlock: true,
	}, s.readerLog)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("redis subscriber: %w", err), client.Close())
	}

	return reader, nil
}

// claimInterval looks for idle pending messages often enough that one is
// claimed within about 1.5 × claimAfter, but no more than once a second
// when claimAfter is long.
func claimInterval(claimAfter time.Duration) time.Duration {
	return min(max(claimAfter/2, 50*time.Millisecond), time.Second)
}

// claimable acknowledges a pending entry whose message was trimmed from the
// stream instead of claiming it: there is nothing left to deliver, and an
// entry left pending would be looked at again on every claim round.
func (s *redisSubscriber) claimable(
	client *redis.Client, stream string,
) func(redis.XPendingExt) bool {
	return func(p redis.XPendingExt) bool {
		ctx := context.Background()

		entries, err := client.XRangeN(ctx, stream, p.ID, p.ID, 1).Result()
		if err != nil || len(entries) > 0 {
			return true
		}

		if err := client.XAck(ctx, stream, s.group, p.ID).Err(); err != nil {
			s.logger.Error("acknowledge trimmed pending entry",
				"stream", stream, "group", s.group, "id", p.ID, "error", err)

			return false
		}

		s.logger.Warn("pending message was trimmed before it was processed; acknowledged",
			"stream", stream, "group", s.group, "id", p.ID,
			"consumer", p.Consumer, "deliveries", p.RetryCount)

		return false
	}
}

// recoverRead keeps a consumer reading through a lost connection (go-redis
// reconnects) and recreates the consumer group when Redis came back without
// it, having lost its data; it stops only once the client is closed.
func (s *redisSubscriber) recoverRead(client *redis.Client, stream string) func(error) bool {
	return func(err error) bool {
		if errors.Is(err, redis.ErrClosed) {
			return true
		}

		if !strings.HasPrefix(err.Error(), "NOGROUP") {
			return false
		}

		ctx := context.Background()
		err = client.XGroupCreateMkStream(ctx, stream, s.group, "0").Err()
		if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
			s.logger.Error("recreate consumer group",
				"stream", stream, "group", s.group, "error", err)

			return false
		}

		s.logger.Warn("consumer group was missing, Redis lost its data; recreated",
			"stream", stream, "group", s.group)

		return false
	}
}

// Close implements message.Subscriber. It stops every reader; messages not
// acknowledged by then stay pending for another consumer to claim.
func (s *redisSubscriber) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()

		return nil
	}

	s.closed = true
	close(s.closing)
	readers := s.readers
	s.mu.Unlock()

	var errs []error
	for _, r := range readers {
		errs = append(errs, r.Close())
	}

	s.wg.Wait()

	return errors.Join(errs...)
}
