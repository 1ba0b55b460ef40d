// Package memory keeps invoices and the revenue projection in the process's
// memory, behind the same interfaces as the PostgreSQL store. Everything is
// lost on restart: it serves development, tests and the memory backend.
package memory
