// Command millrace runs the service: the HTTP API and the event workers in
// one process by default, or one role per process (see usage).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/millrace/millrace/config"
)

const usage = `usage: millrace [serve]

  serve   (default) the HTTP API and the event workers in one process

Configuration comes from the environment; see README.md.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, os.Args[1:], os.Environ(), os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run parses the role and the configuration, then runs the role until ctx
// is cancelled.
func run(ctx context.Context, args, environ []string, stderr io.Writer) error {
	role := "serve"
	if len(args) > 0 {
		role = args[0]
	}

	if role != "serve" || len(args) > 1 {
		return errors.New(usage)
	}

	cfg, err := config.Load(environ)
	if err != nil {
		return err
	}

	logger := newLogger(cfg, stderr)
	logger.Info("starting", "role", role, "backend", cfg.Backend,
		"memory_delivery", cfg.MemoryDelivery, "http_addr", cfg.HTTPAddr)

	return serve(ctx, cfg, logger)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}

	return slog.New(slog.NewTextHandler(w, opts))
}
