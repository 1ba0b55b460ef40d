// Package postgres keeps invoices, idempotency keys and the revenue
// projection in PostgreSQL through pgx, behind the same interfaces as the
// in-memory store. A change and its events are one transaction: the events
// are published through a publisher bound to that transaction, so a
// rollback removes both. Projection updates join the transaction of the
// subscriber that delivered the event, so the update and the consumer's
// offset commit together.
//
// The schema is managed by the embedded goose migrations in migrations/,
// which also create Watermill's message and offset tables.
package postgres
