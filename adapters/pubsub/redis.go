package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/redis/go-redis/v9"
)

// RedisConfig tunes the Redis Streams backend. Zero durations and counts
// are invalid: the caller fills every field.
type RedisConfig struct {
	// URL is redis://host:port/db.
	URL string
	// StreamPrefix is put before every topic to name its stream.
	StreamPrefix string
	// ClaimAfter is how long another consumer's pending message may stay
	// idle before this process claims it.
	ClaimAfter time.Duration
	// NackDelay is the wait before a nacked message is delivered again.
	NackDelay time.Duration
	// MaxLen bounds each stream approximately; 0 leaves it unbounded.
	MaxLen int64
	// Readers is how many consumers one subscription runs, each handling
	// one message at a time.
	Readers int
}

// NewRedis connects to Redis and returns the Redis Streams backend. Every
// consumer group subscription gets consumers named after this process, so
// several processes share a group's messages and claim each other's
// pending ones. It fails when Redis cannot be reached now.
func NewRedis(ctx context.Context, cfg RedisConfig, logger *slog.Logger) (Backend, error) {
	opts, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return Backend{}, fmt.Errorf("parse redis url: %w", err)
	}

	client := redis.NewClient(opts)
	if err := ping(ctx, client); err != nil {
		return Backend{}, errors.Join(err, client.Close())
	}

	wmLogger := watermill.NewSlogLogger(logger)

	publisher, err := redisstream.NewPublisher(redisstream.PublisherConfig{
		Client:        client,
		DefaultMaxlen: cfg.MaxLen,
	}, wmLogger)
	if err != nil {
		return Backend{}, errors.Join(fmt.Errorf("redis publisher: %w", err), client.Close())
	}

	consumer := consumerName()
	logger.Info("redis backend ready", "addr", opts.Addr, "db", opts.DB,
		"stream_prefix", cfg.StreamPrefix, "consumer", consumer,
		"claim_after", cfg.ClaimAfter, "maxlen", cfg.MaxLen, "readers", cfg.Readers)

	return Backend{
		Name:      "redis",
		Publisher: prefixedPublisher{prefix: cfg.StreamPrefix, publisher: publisher},
		NewSubscriber: func(group string) (message.Subscriber, error) {
			return newRedisSubscriber(cfg, opts, group, consumer, logger), nil
		},
		Ready: func(ctx context.Context) error { return ping(ctx, client) },
		Close: publisher.Close,
	}, nil
}

func ping(ctx context.Context, client *redis.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()

	if err := client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis %s unreachable: %w", client.Options().Addr, err)
	}

	return nil
}

// consumerName is unique per process, so a restarted process never takes
// over the pending messages of its predecessor by name: they are claimed
// like any dead consumer's.
func consumerName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}

	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), watermill.NewShortUUID()[:8])
}

// prefixedPublisher publishes every topic on its prefixed stream.
type prefixedPublisher struct {
	prefix    string
	publisher message.Publisher
}

func (p prefixedPublisher) Publish(topic string, msgs ...*message.Message) error {
	return p.publisher.Publish(p.prefix+topic, msgs...)
}

func (p prefixedPublisher) Close() error {
	return p.publisher.Close()
}

// UseRedisLogger sends go-redis's own log lines (dial retries, pool
// events) to logger at debug level, so that a Redis that is down at start
// makes one error line, the caller's. go-redis has one logger per process:
// call this once, from main.
func UseRedisLogger(logger *slog.Logger) {
	redis.SetLogger(redisLog{logger: logger})
}

// redisLog adapts slog to go-redis's logger.
type redisLog struct {
	logger *slog.Logger
}

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.logger.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}
