-- The application's tables: invoices, the idempotency keys of creates and
-- the revenue projection with its record of applied events.

-- +goose Up
CREATE TABLE invoices (
    id           text        PRIMARY KEY,
    customer_id  text        NOT NULL,
    amount_minor bigint      NOT NULL CHECK (amount_minor > 0),
    currency     char(3)     NOT NULL,
    status       text        NOT NULL CHECK (status IN ('open', 'paid', 'void')),
    issued_at    timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- A key is claimed in the transaction that creates its invoice, so a
-- concurrent request with the same key waits for it and then finds it.
CREATE TABLE idempotency_keys (
    key         text        PRIMARY KEY,
    fingerprint text        NOT NULL,
    invoice_id  text        NOT NULL REFERENCES invoices (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per currency and issue month; every column is a running sum of
-- event deltas in minor units.
CREATE TABLE revenue (
    currency    char(3) NOT NULL,
    month       char(7) NOT NULL,
    billed      bigint  NOT NULL DEFAULT 0,
    collected   bigint  NOT NULL DEFAULT 0,
    outstanding bigint  NOT NULL DEFAULT 0,
    invoices    bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (currency, month)
);

-- The events each handler applied, written in the transaction of the
-- update, so a redelivered event changes nothing.
CREATE TABLE processed_events (
    handler      text        NOT NULL,
    event_id     text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (handler, event_id)
);

-- +goose Down
DROP TABLE processed_events;
DROP TABLE revenue;
DROP TABLE idempotency_keys;
DROP TABLE invoices;
