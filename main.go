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
	"slices"
	"syscall"

	"github.com/millrace/millrace/config"
)

const usage = `usage: millrace [serve|api|worker|migrate|replay]

  serve    (default) the HTTP API and the event workers in one process
  api      the HTTP API only; events are handled by worker processes
  worker   the event workers only, with /healthz and /readyz on HTTP_ADDR
  migrate  apply pending database migrations and exit
  replay   rebuild the revenue projection from the event log and exit

api and worker need BACKEND=sql, or BACKEND=redis with DATABASE_URL;
migrate needs DATABASE_URL; replay needs BACKEND=sql.
Configuration comes from the environment; see README.md.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, os.Args[1:], os.Environ(), os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run parses the role and the configuration, then runs the role until it
// is done or ctx is cancelled.
func run(ctx context.Context, args, environ []string, stderr io.Writer) error {
	role := "serve"
	if len(args) > 0 {
		role = args[0]
	}

	if len(args) > 1 || !slices.Contains([]string{"serve", "api", "worker", "migrate", "replay"}, role) {
		return errors.New(usage)
	}

	cfg, err := config.Load(environ)
	if err != nil {
		return err
	}

	logger := newLogger(cfg, stderr)
	logger.Info("starting", "role", role, "backend", cfg.Backend,
		"memory_delivery", cfg.MemoryDelivery, "http_addr", cfg.HTTPAddr,
		"database_url", config.Redact(cfg.DatabaseURL))

	switch role {
	case "serve", "api", "worker":
		return serve(ctx, role, cfg, logger)
	case "migrate":
		return migrate(ctx, cfg, logger)
	case "replay":
		return replay(ctx, cfg, logger)
	default:
		return errors.New(usage)
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}

	return slog.New(slog.NewTextHandler(w, opts))
}
