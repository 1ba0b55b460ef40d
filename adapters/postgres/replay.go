package postgres

import (
	"context"
	"errors"
	"fmt"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"

	"github.com/millrace/millrace/adapters/pubsub"
)

// replayPage is how many stored events are read at a time: the connection
// is needed for the updates between pages.
const replayPage = 500

// Rebuild recomputes the projection of handler from the event log of
// topic in one transaction: it takes the consumer group's offset lock, so
// the group's workers wait instead of applying events concurrently, forgets
// what the handler applied, and hands every stored event, in commit order,
// to apply with a context whose writes join the transaction. Readers see
// the old figures until it commits. An event stored later than the
// transaction's snapshot is left to the workers, which will apply it once.
// It returns how many events were handed to apply.
func (r *Revenue) Rebuild(
	ctx context.Context, topic, handler string, apply func(*message.Message) error,
) (int, error) {
	count := 0

	err := inTx(ctx, r.pool, func(tx pgx.Tx) error {
		if err := lockConsumerGroup(ctx, tx, topic, handler); err != nil {
			return err
		}

		if _, err := tx.Exec(ctx, `DELETE FROM processed_events WHERE handler = $1`, handler); err != nil {
			return fmt.Errorf("forget applied events: %w", err)
		}

		if _, err := tx.Exec(ctx, `DELETE FROM revenue`); err != nil {
			return fmt.Errorf("clear revenue: %w", err)
		}

		var err error
		count, err = replayEvents(withTx(ctx, tx), tx, topic, apply)

		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild %s: %w", handler, err)
	}

	return count, nil
}

// lockConsumerGroup locks the group's offset row, creating it as the
// subscriber would, so a worker subscribing meanwhile waits too.
func lockConsumerGroup(ctx context.Context, tx pgx.Tx, topic, group string) error {
	table := offsetsTable(topic)

	_, err := tx.Exec(ctx, `INSERT INTO `+table+` (consumer_group, offset_acked, last_processed_transaction_id)
		VALUES ($1, 0, '0') ON CONFLICT DO NOTHING`, group)
	if err != nil {
		return fmt.Errorf("register consumer group: %w", err)
	}

	if _, err := tx.Exec(ctx, `SELECT 1 FROM `+table+` WHERE consumer_group = $1 FOR UPDATE`, group); err != nil {
		return fmt.Errorf("lock consumer group: %w", err)
	}

	return nil
}

// replayEvents pages through the message table in the subscriber's order,
// transaction ID then offset, decoding rows with the schema adapter. The
// ID is read as text (pgx has no xid8 type) under another name: an output
// column named transaction_id would make ORDER BY sort the text.
func replayEvents(ctx context.Context, tx pgx.Tx, topic string, apply func(*message.Message) error) (int, error) {
	schema := wsql.DefaultPostgreSQLSchema{}
	lastTx, lastOffset, count := "0", int64(0), 0

	for {
		page, err := readPage(ctx, tx, schema, topic, lastTx, lastOffset)
		if err != nil {
			return count, err
		}

		for _, row := range page {
			row.Msg.SetContext(ctx)
			if err := apply(row.Msg); err != nil {
				return count, fmt.Errorf("event %s: %w", row.Msg.UUID, err)
			}

			count++
		}

		if len(page) < replayPage {
			return count, nil
		}

		last := page[len(page)-1]

		xid, ok := last.ExtraData["transaction_id"].(wsql.XID8)
		if !ok {
			return count, errors.New("event row without a transaction ID")
		}

		lastTx, lastOffset = fmt.Sprint(uint64(xid)), last.Offset
	}
}

func readPage(
	ctx context.Context, tx pgx.Tx, schema wsql.DefaultPostgreSQLSchema, topic, lastTx string, lastOffset int64,
) ([]wsql.Row, error) {
	rows, err := tx.Query(ctx, `
		SELECT m."offset", m.transaction_id::text AS xid, m.uuid, m.payload, m.metadata
		FROM `+schema.MessagesTable(topic)+` m
		WHERE (m.transaction_id, m."offset") > ($1::text::xid8, $2)
		ORDER BY m.transaction_id, m."offset" LIMIT $3`, lastTx, lastOffset, replayPage)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()

	var page []wsql.Row
	for rows.Next() {
		row, err := pubsub.ReadSQLRow(schema, rows)
		if err != nil {
			return nil, fmt.Errorf("read event: %w", err)
		}

		page = append(page, row)
	}

	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}

	return page, nil
}
