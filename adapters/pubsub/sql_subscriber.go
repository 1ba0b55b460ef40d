package pubsub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sqlSubscriber subscribes one consumer group. Each Subscribe gets its own
// watermill-sql subscriber, because the wake-up backoff belongs to one
// topic.
type sqlSubscriber struct {
	pool     *pgxpool.Pool
	group    string
	cfg      SQLConfig
	schema   notifyingSchema
	listener *notifyListener
	logger   watermill.LoggerAdapter

	mu      sync.Mutex
	subs    []*wsql.Subscriber
	cancels []func()
	closing chan struct{}
	closed  bool
	// forwarding counts the goroutines that forward a subscription's
	// messages; Close waits for them.
	forwarding sync.WaitGroup
}

func newSQLSubscriber(pool *pgxpool.Pool, group string, cfg SQLConfig, schema notifyingSchema,
	listener *notifyListener, logger watermill.LoggerAdapter,
) *sqlSubscriber {
	return &sqlSubscriber{
		pool: pool, group: group, cfg: cfg, schema: schema, listener: listener, logger: logger,
		closing: make(chan struct{}),
	}
}

// Subscribe implements message.Subscriber.
func (s *sqlSubscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return nil, wsql.ErrSubscriberClosed
	}

	wake, unwatch := s.listener.register(notifyChannel(topic))

	sub, err := s.newSubscriber(&wakeBackoff{
		wake:    wake,
		closing: s.closing,
		minPoll: s.cfg.MinPollInterval,
		maxPoll: s.cfg.PollInterval,
		retry:   s.cfg.RetryInterval,
		next:    s.cfg.MinPollInterval,
	})
	if err != nil {
		unwatch()

		return nil, err
	}

	// Close cancels the subscription's context if it must: a query waiting
	// for the group's offset lock would otherwise hold Close up until the
	// lock's holder, maybe another subscriber still to be closed, let go.
	ctx, cancel := context.WithCancel(ctx)

	out, err := sub.Subscribe(ctx, topic)
	if err != nil {
		cancel()
		unwatch()

		return nil, fmt.Errorf("subscribe %s as %s: %w", topic, s.group, err)
	}

	s.subs = append(s.subs, sub)
	s.cancels = append(s.cancels, func() { cancel(); unwatch() })

	mine := make(chan *message.Message)
	s.forwarding.Add(1)
	go s.forward(out, mine)

	return mine, nil
}

// forward hands the library's messages on through a channel of our own,
// which is closed before Close returns: the library may close its channel
// a moment after its Close returned, and a router must see every
// subscription's channel closed once the subscriber is.
func (s *sqlSubscriber) forward(in <-chan *message.Message, out chan<- *message.Message) {
	defer s.forwarding.Done()
	defer close(out)

	for msg := range in {
		select {
		case out <- msg:
		case <-s.closing:
			// Nobody reads any more: leave the message to the next
			// subscriber of the group.
			msg.Nack()
		}
	}
}

func (s *sqlSubscriber) newSubscriber(backoff wsql.BackoffManager) (*wsql.Subscriber, error) {
	ackDeadline := s.cfg.AckDeadline

	sub, err := wsql.NewSubscriber(newGuardedBeginner(wsql.BeginnerFromPgx(s.pool)), wsql.SubscriberConfig{
		ConsumerGroup:    s.group,
		AckDeadline:      &ackDeadline,
		PollInterval:     s.cfg.PollInterval,
		RetryInterval:    s.cfg.RetryInterval,
		ResendInterval:   s.cfg.MinPollInterval,
		BackoffManager:   backoff,
		SchemaAdapter:    s.schema,
		OffsetsAdapter:   wsql.DefaultPostgreSQLOffsetsAdapter{},
		InitializeSchema: s.cfg.InitializeSchema,
	}, s.logger)
	if err != nil {
		return nil, fmt.Errorf("sql subscriber: %w", err)
	}

	return sub, nil
}

// SubscribeInitialize implements message.SubscribeInitializer: it creates
// the topic's tables when the backend initialises schemas, and otherwise
// leaves them to the migrations.
func (s *sqlSubscriber) SubscribeInitialize(topic string) error {
	if !s.cfg.InitializeSchema {
		return nil
	}

	sub, err := s.newSubscriber(nil)
	if err != nil {
		return err
	}

	return errors.Join(sub.SubscribeInitialize(topic), sub.Close())
}

// Close stops every subscription; messages not yet acknowledged stay in
// the table for the next subscriber of the group.
func (s *sqlSubscriber) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return nil
	}

	s.closed = true
	close(s.closing)

	closed := make(chan error, 1)
	go func() {
		var errs []error
		for _, sub := range s.subs {
			errs = append(errs, sub.Close())
		}

		closed <- errors.Join(errs...)
	}()

	// Give running queries and handlers a grace period, then cancel: a
	// cancelled query loses its connection, and its batch is read again.
	timer := time.NewTimer(closeGrace)
	defer timer.Stop()

	var err error
	select {
	case err = <-closed:
		s.cancelAll()
	case <-timer.C:
		s.cancelAll()
		err = <-closed
	}

	s.forwarding.Wait()

	return err
}

// closeGrace is how long Close lets subscriptions end by themselves.
const closeGrace = 5 * time.Second

func (s *sqlSubscriber) cancelAll() {
	for _, cancel := range s.cancels {
		cancel()
	}
}

// withDefaults fills what the caller left zero.
func (c SQLConfig) withDefaults() SQLConfig {
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}

	if c.MinPollInterval <= 0 {
		c.MinPollInterval = 5 * time.Millisecond
	}

	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}

	if c.RetryInterval <= 0 {
		c.RetryInterval = time.Second
	}

	if c.AckDeadline <= 0 {
		c.AckDeadline = 30 * time.Second
	}

	return c
}
