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
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Accepted values of the enumerated variables.
var (
	Backends         = []string{"memory", "sql", "redis"}
	MemoryDeliveries = []string{"async", "sync"}
	LogLevels        = []string{"debug", "info", "warn", "error"}
	LogFormats       = []string{"text", "json"}
)

// Config is the whole configuration. Each field names its variable.
type Config struct {
	// Backend is the event transport: memory (Go channels), sql (an event
	// table in PostgreSQL consumed by workers; needs DATABASE_URL) or redis
	// (Redis Streams with consumer groups).
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
	// BACKEND=sql, for example postgres://user:pass@host:5432/db. With
	// BACKEND=redis it selects the PostgreSQL store and the outbox; unset,
	// invoices are kept in memory.
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

	Redis Redis
}

// Redis configures BACKEND=redis.
type Redis struct {
	// URL is redis://[user:password@]host:port/db (rediss:// for TLS); the
	// database number is required so two services never share one by
	// accident.
	URL string `env:"REDIS_URL"`
	// StreamPrefix is put before every stream name, so several services
	// or test runs can share one Redis database.
	StreamPrefix string `env:"REDIS_STREAM_PREFIX"`
	// ClaimAfter is how long another consumer's pending message may sit
	// idle before a live worker claims it. Longer than the slowest handler,
	// or a slow message is processed twice (harmless, but wasted).
	ClaimAfter time.Duration `env:"REDIS_CLAIM_AFTER" envDefault:"30s"`
	// NackDelay is how long a message that failed for now waits before it
	// is delivered again, so a failing dependency is not hammered.
	NackDelay time.Duration `env:"REDIS_NACK_DELAY" envDefault:"1s"`
	// MaxLen bounds each stream to about this many entries (approximate
	// trimming, which is cheap); 0 keeps everything. A pending entry
	// trimmed before it was processed is acknowledged and logged.
	MaxLen int64 `env:"REDIS_MAXLEN" envDefault:"1000000"`
	// Readers is how many messages one process handles at once per
	// consumer group: each reader is a consumer of the group.
	Readers int `env:"REDIS_READERS" envDefault:"8"`
	// OutboxRetention is how long a relayed event stays in the outbox
	// table (with DATABASE_URL) before it is deleted; until then it can be
	// re-relayed by moving the relay's offset back.
	OutboxRetention time.Duration `env:"OUTBOX_RETENTION" envDefault:"24h"`
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
	problems := []error{
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
		check(c.Backend != "sql" || c.DatabaseURL != "", "DATABASE_URL",
			"is required with BACKEND=sql, for example postgres://postgres@127.0.0.1:5432/test"),
		check(c.DatabaseMaxConns >= 2, "DATABASE_MAX_CONNS", "must be 2 or more"),
		positive("DATABASE_CONNECT_TIMEOUT", c.DatabaseConnectTimeout),
		check(c.SQLBatchSize >= 1, "SQL_BATCH_SIZE", "must be 1 or more"),
		positive("SQL_MIN_POLL_INTERVAL", c.SQLMinPollInterval),
		positive("SQL_POLL_INTERVAL", c.SQLPollInterval),
		positive("SQL_ACK_DEADLINE", c.SQLAckDeadline),
		check(c.HandlerMaxRetryInterval >= c.HandlerRetryInterval, "HANDLER_MAX_RETRY_INTERVAL",
			"must not be below HANDLER_RETRY_INTERVAL"),
	}

	return errors.Join(append(problems, c.redisProblems()...)...)
}

// redisProblems checks the Redis settings only when Redis is the backend,
// so other backends need none of them.
func (c Config) redisProblems() []error {
	if c.Backend != "redis" {
		return nil
	}

	r := c.Redis

	return []error{
		redisURL(r.URL),
		positive("REDIS_CLAIM_AFTER", r.ClaimAfter),
		positive("REDIS_NACK_DELAY", r.NackDelay),
		check(r.MaxLen >= 0, "REDIS_MAXLEN", "must be 0 (unbounded) or more"),
		check(r.Readers > 0, "REDIS_READERS", "must be 1 or more"),
		positive("OUTBOX_RETENTION", r.OutboxRetention),
	}
}

func redisURL(raw string) error {
	const want = "must be a URL such as redis://127.0.0.1:6379/0, database number included"
	if raw == "" {
		return &VarError{Var: "REDIS_URL", Problem: "is required with BACKEND=redis: it " + want}
	}

	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return &VarError{Var: "REDIS_URL", Value: Redact(raw), Problem: want}
	}

	if _, err := strconv.Atoi(strings.TrimPrefix(u.Path, "/")); err != nil {
		return &VarError{Var: "REDIS_URL", Value: Redact(raw), Problem: want}
	}

	return nil
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
	collectVars(reflect.TypeFor[Config](), vars)

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

// collectVars maps each field name to its variable, descending into nested
// groups such as Redis.
func collectVars(t reflect.Type, vars map[string]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Tag.Get("env") == "" {
			collectVars(f.Type, vars)

			continue
		}

		vars[f.Name] = f.Tag.Get("env")
	}
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
