-- Watermill's message and offset tables for the "invoices" and "poison"
-- topics, in the layout the watermill-sql v4 PostgreSQL schema and offsets
-- adapters expect (DefaultPostgreSQLSchema with a BYTEA payload,
-- DefaultPostgreSQLOffsetsAdapter). Creating them here, once, means
-- workers never race on CREATE TABLE. A test compares this layout with
-- what the adapters would create.
--
-- A statement trigger notifies the channel named after the table when
-- rows are inserted; PostgreSQL delivers it at commit, which wakes the
-- subscribers at once instead of at their next poll.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION watermill_notify_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_NAME, '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TABLE "watermill_invoices" (
    "offset"         BIGSERIAL,
    "uuid"           VARCHAR(36) NOT NULL,
    "created_at"     TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload"        BYTEA       DEFAULT NULL,
    "metadata"       JSON        DEFAULT NULL,
    "transaction_id" xid8        NOT NULL,
    PRIMARY KEY ("transaction_id", "offset")
);

CREATE TABLE "watermill_offsets_invoices" (
    consumer_group                VARCHAR(255) NOT NULL,
    offset_acked                  BIGINT,
    last_processed_transaction_id xid8         NOT NULL,
    PRIMARY KEY (consumer_group)
);

CREATE TRIGGER watermill_invoices_notify AFTER INSERT ON "watermill_invoices"
    FOR EACH STATEMENT EXECUTE FUNCTION watermill_notify_insert();

CREATE TABLE "watermill_poison" (
    "offset"         BIGSERIAL,
    "uuid"           VARCHAR(36) NOT NULL,
    "created_at"     TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload"        BYTEA       DEFAULT NULL,
    "metadata"       JSON        DEFAULT NULL,
    "transaction_id" xid8        NOT NULL,
    PRIMARY KEY ("transaction_id", "offset")
);

CREATE TABLE "watermill_offsets_poison" (
    consumer_group                VARCHAR(255) NOT NULL,
    offset_acked                  BIGINT,
    last_processed_transaction_id xid8         NOT NULL,
    PRIMARY KEY (consumer_group)
);

CREATE TRIGGER watermill_poison_notify AFTER INSERT ON "watermill_poison"
    FOR EACH STATEMENT EXECUTE FUNCTION watermill_notify_insert();

-- +goose Down
DROP TABLE "watermill_offsets_poison";
DROP TABLE "watermill_poison";
DROP TABLE "watermill_offsets_invoices";
DROP TABLE "watermill_invoices";
DROP FUNCTION watermill_notify_insert();
