// Package config reads the service's configuration from the environment,
// fills defaults and validates every field at once, naming the variable of
// each problem.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Accepted values of the enumerated variables.
var (
	Backends         = []string{"memory", "sql"}
	MemoryDeliveries = []string{"async", "sync"}
	LogLevels        = []string{"debug", "info", "warn", "error"}
	LogFormats       = []string{"text", "json"}
)

// Config is the whole configuration. Each field names its variable.
type Config struct {
	// Backend is the event transport: memory (Go channels) or sql (an
	// event table in PostgreSQL consumed by workers; needs DATABASE_URL).
	Backend string `env:"BACKEND" envDefault:"memory"`
	// MemoryDelivery: async publishes without waiting; sync waits until
	// every handler acknowledged, so a response follows its side effects.
	MemoryDelivery string `env:"MEMORY_DELIVERY" envDefault:"async"`
	// HTTPAddr is where the API, and every role's probes, listen.
	HTTPAddr string `env:"HTTP_ADDR" envDefault:":8080"`
	// LogLevel is the lowest level logged.
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`
	// LogFormat is text for people or json for collectors.
	LogFormat string `env:"LOG_FORMAT" envDefault:"text"`
	// ShutdownTimeout bounds each shutdown step: draining HTTP requests,
	// then letting running handlers finish.
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"30s"`
	// PoisonTopic receives messages whose handler failed for good.
	PoisonTopic string `env:"POISON_TOPIC" envDefault:"poison"`
	// HandlerMaxRetries is how often a failing event handler is retried
	// before its message is poisoned.
	HandlerMaxRetries int `env:"HANDLER_MAX_RETRIES" envDefault:"5"`
	// HandlerRetryInterval is the first wait between retries; it doubles.
	HandlerRetryInterval time.Duration `env:"HANDLER_RETRY_INTERVAL" envDefault:"100ms"`
	// HandlerMaxRetryInterval caps the wait between retries.
	HandlerMaxRetryInterval time.Duration `env:"HANDLER_MAX_RETRY_INTERVAL" envDefault:"5s"`

	// DatabaseURL is the PostgreSQL connection URL, required with
	// BACKEND=sql, for example postgres://user:pass@host:5432/db.
	DatabaseURL string `env:"DATABASE_URL"`
	// DatabaseMaxConns bounds the connection pool of each process. API
	// requests hold a connection for their transaction and each consumer
	// group's worker one for its batch.
	DatabaseMaxConns int32 `env:"DATABASE_MAX_CONNS" envDefault:"20"`
	// DatabaseConnectTimeout bounds the first connection at start.
	DatabaseConnectTimeout time.Duration `env:"DATABASE_CONNECT_TIMEOUT" envDefault:"5s"`
	// MigrateOnStart applies pending migrations at start, under an
	// advisory lock so processes starting together take turns. Turn it off
	// where a separate "migrate" step runs before deployment.
	MigrateOnStart bool `env:"MIGRATE_ON_START" envDefault:"true"`
	// SQLBatchSize is how many events a worker reads per transaction; the
	// projection updates and the consumer offset of a batch commit together.
	SQLBatchSize int `env:"SQL_BATCH_SIZE" envDefault:"100"`
	// SQLMinPollInterval is a worker's first wait after finding no event;
	// it doubles up to SQL_POLL_INTERVAL. A commit notification (LISTEN/
	// NOTIFY) ends the wait at once.
	SQLMinPollInterval time.Duration `env:"SQL_MIN_POLL_INTERVAL" envDefault:"5ms"`
	// SQLPollInterval is the longest wait between a worker's queries: the
	// pickup latency when notifications are lost.
	SQLPollInterval time.Duration `env:"SQL_POLL_INTERVAL" envDefault:"1s"`
	// SQLAckDeadline bounds the handling of one event, retries included;
	// past it the worker's batch is rolled back and read again.
	SQLAckDeadline time.Duration `env:"SQL_ACK_DEADLINE" envDefault:"30s"`
}

// Load reads the configuration from environ (as os.Environ returns it) and
// validates it. The error lists every problem, one line each: values that
// do not parse, then the rules the parsed ones break.
func Load(environ []string) (Config, error) {
	var cfg Config
	parseErr := translate(env.ParseWithOptions(&cfg, env.Options{Environment: env.ToMap(environ)}))

	unparsed := map[string]bool{}
	for _, e := range unwrap(parseErr) {
		var v *VarError
		if errors.As(e, &v) {
			unparsed[v.Var] = true
		}
	}

	problems := unwrap(parseErr)
	for _, e := range unwrap(cfg.Validate()) {
		var v *VarError
		if errors.As(e, &v) && unparsed[v.Var] {
			continue
		}

		problems = append(problems, e)
	}

	if err := errors.Join(problems...); err != nil {
		return Config{}, err
	}

	return cfg, nil
}

// VarError is a problem with one variable, and the value at fault when
// showing it helps.
type VarError struct {
	Var     string
	Value   string
	Problem string
}

func (e *VarError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("%s=%q %s", e.Var, e.Value, e.Problem)
	}

	return e.Var + " " + e.Problem
}

func unwrap(err error) []error {
	if err == nil {
		return nil
	}

	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		return joined.Unwrap()
	}

	return []error{err}
}

// Validate reports every invalid field, joined.
func (c Config) Validate() error {
	return errors.Join(
		oneOf("BACKEND", c.Backend, Backends),
		oneOf("MEMORY_DELIVERY", c.MemoryDelivery, MemoryDeliveries),
		oneOf("LOG_LEVEL", c.LogLevel, LogLevels),
		oneOf("LOG_FORMAT", c.LogFormat, LogFormats),
		positive("SHUTDOWN_TIMEOUT", c.ShutdownTimeout),
		positive("HANDLER_RETRY_INTERVAL", c.HandlerRetryInterval),
		positive("HANDLER_MAX_RETRY_INTERVAL", c.HandlerMaxRetryInterval),
		check(c.HandlerMaxRetries >= 0, "HANDLER_MAX_RETRIES", "must be 0 or more"),
		check(c.PoisonTopic != "", "POISON_TOPIC", "must not be empty"),
		check(c.HTTPAddr != "", "HTTP_ADDR", "must not be empty"),
		check(c.HandlerMaxRetryInterval >= c.HandlerRetryInterval, "HANDLER_MAX_RETRY_INTERVAL",
			"must not be below HANDLER_RETRY_INTERVAL"),
		check(c.Backend != "sql" || c.DatabaseURL != "", "DATABASE_URL",
			"is required with BACKEND=sql, for example postgres://postgres@127.0.0.1:5432/test"),
		check(c.DatabaseMaxConns >= 2, "DATABASE_MAX_CONNS", "must be 2 or more"),
		positive("DATABASE_CONNECT_TIMEOUT", c.DatabaseConnectTimeout),
		check(c.SQLBatchSize >= 1, "SQL_BATCH_SIZE", "must be 1 or more"),
		positive("SQL_MIN_POLL_INTERVAL", c.SQLMinPollInterval),
		positive("SQL_POLL_INTERVAL", c.SQLPollInterval),
		positive("SQL_ACK_DEADLINE", c.SQLAckDeadline),
	)
}

// SlogLevel is LogLevel as a slog level.
func (c Config) SlogLevel() slog.Level {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))

	return level
}

func oneOf(name, value string, accepted []string) error {
	if slices.Contains(accepted, value) {
		return nil
	}

	return &VarError{Var: name, Value: value, Problem: "is not accepted: use one of " + strings.Join(accepted, ", ")}
}

func positive(name string, d time.Duration) error {
	return check(d > 0, name, "must be a positive Go duration such as 500ms or 30s")
}

func check(ok bool, name, reason string) error {
	if ok {
		return nil
	}

	return &VarError{Var: name, Problem: reason}
}

// translate names the variable behind each of the library's parse errors,
// which name only the Go field, and says what the variable accepts.
func translate(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}

	vars := map[string]string{}
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		vars[t.Field(i).Name] = t.Field(i).Tag.Get("env")
	}

	problems := make([]error, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var parse env.ParseError
		if errors.As(e, &parse) {
			e = &VarError{Var: vars[parse.Name], Problem: "must be " + accepts(parse.Type)}
		}

		problems = append(problems, e)
	}

	return errors.Join(problems...)
}

func accepts(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return "a Go duration such as 500ms or 30s"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "a whole number"
	}

	return "a valid " + t.String()
}

// Redact hides the password of a connection string for logging, in URL
// form (postgres://user:secret@host/db) and in keyword/value form
// (host=db password=secret).
func Redact(raw string) string {
	if !strings.Contains(raw, "://") {
		return passwordValue.ReplaceAllString(raw, "${1}xxxxx")
	}

	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}

	if u.User == nil {
		return raw
	}

	return u.Redacted()
}

// passwordValue is a password in keyword/value form, quoted or not.
var passwordValue = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
