package pubsub

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// notifyListener holds one connection that LISTENs on the channels of the
// subscribed message tables and wakes their subscribers when a commit
// notifies. It reconnects after a lost connection; meanwhile subscribers
// fall back to polling, and every waiter is woken on reconnect in case a
// notification was missed.
type notifyListener struct {
	connect func(ctx context.Context) (*pgx.Conn, error)
	logger  *slog.Logger
	ctx     context.Context
	start   sync.Once

	mu      sync.Mutex
	waiters map[string]map[chan struct{}]struct{}
	changed chan struct{}
}

// newNotifyListener listens until ctx ends. It connects at the first
// registration, so a process that only publishes holds no extra connection.
func newNotifyListener(
	ctx context.Context, connect func(ctx context.Context) (*pgx.Conn, error), logger *slog.Logger,
) *notifyListener {
	return &notifyListener{
		connect: connect,
		logger:  logger,
		ctx:     ctx,
		waiters: map[string]map[chan struct{}]struct{}{},
		changed: make(chan struct{}, 1),
	}
}

// register returns a channel that receives a signal after each commit
// notifying channel, and a function that unregisters it. Signals coalesce:
// one pending signal stands for any number of commits.
func (l *notifyListener) register(channel string) (<-chan struct{}, func()) {
	wake := make(chan struct{}, 1)

	l.mu.Lock()
	if l.waiters[channel] == nil {
		l.waiters[channel] = map[chan struct{}]struct{}{}
	}
	l.waiters[channel][wake] = struct{}{}
	l.mu.Unlock()

	signal(l.changed)
	l.start.Do(func() { go l.run(l.ctx) })

	return wake, func() {
		l.mu.Lock()
		delete(l.waiters[channel], wake)
		l.mu.Unlock()
	}
}

// run keeps a listening connection until ctx ends.
func (l *notifyListener) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := l.listen(ctx)
		if ctx.Err() != nil {
			return
		}

		l.logger.WarnContext(ctx, "event notifications lost, polling until reconnected", "error", err)
		l.wakeAll()

		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (l *notifyListener) listen(ctx context.Context) error {
	conn, err := l.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))

	listening := map[string]bool{}
	for {
		if err := l.listenNew(ctx, conn, listening); err != nil {
			return err
		}

		n, err := l.wait(ctx, conn)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errChannelsChanged):
			continue
		case err != nil:
			return err
		}

		l.wake(n)
	}
}

var errChannelsChanged = errors.New("channels changed")

// wait blocks until a notification arrives, or returns errChannelsChanged
// when a subscriber registered a channel that must be LISTENed first.
// Cancelling the wait only times out the read; pgx keeps the connection.
func (l *notifyListener) wait(ctx context.Context, conn *pgx.Conn) (string, error) {
	waitCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	go func() {
		select {
		case <-l.changed:
			cancel(errChannelsChanged)
		case <-waitCtx.Done():
		}
	}()

	n, err := conn.WaitForNotification(waitCtx)
	if err != nil {
		if cause := context.Cause(waitCtx); errors.Is(cause, errChannelsChanged) {
			return "", cause
		}

		return "", err
	}

	return n.Channel, nil
}

func (l *notifyListener) listenNew(ctx context.Context, conn *pgx.Conn, listening map[string]bool) error {
	l.mu.Lock()
	var fresh []string
	for channel := range l.waiters {
		if !listening[channel] {
			fresh = append(fresh, channel)
		}
	}
	l.mu.Unlock()

	for _, channel := range fresh {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
			return err
		}

		listening[channel] = true
	}

	return nil
}

func (l *notifyListener) wake(channel string) {
	l.mu.Lock()
	defer l.mu.Unlock()

	for wake := range l.waiters[channel] {
		signal(wake)
	}
}

func (l *notifyListener) wakeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()

	for _, set := range l.waiters {
		for wake := range set {
			signal(wake)
		}
	}
}

// signal leaves a signal on c unless one is pending already.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
