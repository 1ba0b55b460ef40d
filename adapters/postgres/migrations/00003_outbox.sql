-- The outbox of broker backends (BACKEND=redis with DATABASE_URL): events
-- are written here in the transaction of the change that raised them, in
-- Watermill's forwarder envelope, and a relay publishes them on the broker.
-- Same layout and notify trigger as the event log's tables, so the relay
-- wakes at commit.

-- +goose Up
CREATE TABLE "watermill_outbox" (
    "offset"         BIGSERIAL,
    "uuid"           VARCHAR(36) NOT NULL,
    "created_at"     TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload"        BYTEA       DEFAULT NULL,
    "metadata"       JSON        DEFAULT NULL,
    "transaction_id" xid8        NOT NULL,
    PRIMARY KEY ("transaction_id", "offset")
);

CREATE TABLE "watermill_offsets_outbox" (
    consumer_group                VARCHAR(255) NOT NULL,
    offset_acked                  BIGINT,
    last_processed_transaction_id xid8         NOT NULL,
    PRIMARY KEY (consumer_group)
);

CREATE TRIGGER watermill_outbox_notify AFTER INSERT ON "watermill_outbox"
    FOR EACH STATEMENT EXECUTE FUNCTION watermill_notify_insert();

-- +goose Down
DROP TABLE "watermill_offsets_outbox";
DROP TABLE "watermill_outbox";
