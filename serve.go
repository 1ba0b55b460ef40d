package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app/projection"
	"github.com/millrace/millrace/config"
	"github.com/millrace/millrace/ports/events"
	"github.com/millrace/millrace/ports/httpapi"
)

// serve runs a long-running role until ctx is cancelled: "serve" (the API
// and the workers), "api" or "worker". Shutdown goes in order: HTTP first,
// so no new event is raised, then the router, so running handlers finish,
// then the transport and the store.
func serve(ctx context.Context, role string, cfg config.Config, logger *slog.Logger) error {
	if role != "serve" && (cfg.Backend == "memory" || cfg.DatabaseURL == "") {
		return fmt.Errorf("role %s needs a store shared between processes: "+
			"set BACKEND=sql, or BACKEND=redis with DATABASE_URL", role)
	}

	s, err := newServices(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer s.close(logger)

	// Bind before starting anything else, so a taken address fails fast;
	// requests wait in the backlog until the subscriptions are in place.
	listener, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR=%s: %w", cfg.HTTPAddr, err)
	}
	defer listener.Close()

	if role != "api" {
		router, err := startRouter(cfg, s.backend, s.ledger, logger)
		if err != nil {
			return err
		}
		defer closeLogged(logger, "event router", router.Close)

		stopRelay, err := startRelay(s, logger)
		if err != nil {
			return err
		}
		defer stopRelay()
	}

	if role == "worker" {
		return serveHTTP(ctx, cfg, listener, httpapi.NewProbeHandler(s.backend.Ready, logger), logger)
	}

	application, err := s.application()
	if err != nil {
		return err
	}

	return serveHTTP(ctx, cfg, listener, httpapi.NewHandler(application, s.backend.Ready, logger), logger)
}

// startRelay runs the outbox relay when the services have one. It stops
// before the router and the transport, which close after it.
func startRelay(s *services, logger *slog.Logger) (func(), error) {
	if s.relay == nil {
		return func() {}, nil
	}

	relay, err := s.relay()
	if err != nil {
		return nil, err
	}

	relay.Start()
	logger.Info("outbox relay running")

	return func() { closeLogged(logger, "outbox relay", relay.Close) }, nil
}

// routerConfig is the delivery policy every handler gets.
func routerConfig(cfg config.Config) pubsub.RouterConfig {
	return pubsub.RouterConfig{
		PoisonTopic:      cfg.PoisonTopic,
		MaxRetries:       cfg.HandlerMaxRetries,
		RetryInterval:    cfg.HandlerRetryInterval,
		MaxRetryInterval: cfg.HandlerMaxRetryInterval,
		CloseTimeout:     cfg.ShutdownTimeout,
		Permanent:        permanent,
	}
}

// permanent reports handler errors that no retry can fix.
func permanent(err error) bool {
	return errors.Is(err, projection.ErrIncompleteEvent) || errors.Is(err, projection.ErrTotalOverflow)
}

// startRouter subscribes every handler and returns once the subscriptions
// are in place, so no event raised afterwards is missed.
func startRouter(cfg config.Config, backend pubsub.Backend, ledger projection.RevenueLedger, logger *slog.Logger) (*message.Router, error) {
	router, err := pubsub.NewRouter(routerConfig(cfg), backend, logger)
	if err != nil {
		return nil, err
	}

	processor, err := pubsub.NewProcessor(router, backend, logger)
	if err != nil {
		return nil, err
	}

	revenue, err := projection.NewRevenue(ledger)
	if err != nil {
		return nil, err
	}

	if err := events.Subscribe(processor, revenue); err != nil {
		return nil, err
	}

	go func() {
		if err := router.Run(context.Background()); err != nil {
			logger.Error("event router stopped", "error", err)
		}
	}()
	<-router.Running()

	return router, nil
}

// serveHTTP serves on listener until ctx is cancelled, then stops
// accepting and lets in-flight requests finish.
func serveHTTP(ctx context.Context, cfg config.Config, listener net.Listener, handler http.Handler, logger *slog.Logger) error {
	server := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	logger.Info("listening", "addr", listener.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}

	logger.Info("shutting down: draining HTTP requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()

	if err := server.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("drain http requests: %w", err)
	}

	return nil
}

func closeLogged(logger *slog.Logger, what string, closeFn func() error) {
	logger.Info("shutting down: closing " + what)

	if err := closeFn(); err != nil {
		logger.Error("close failed", "what", what, "error", err)
	}
}
