// Package domain holds the entities, value objects and events of the worked
// example: invoices that are created, paid and voided. It does no I/O and
// knows nothing of transports; the application layer and the adapters
// build on it.
package domain
