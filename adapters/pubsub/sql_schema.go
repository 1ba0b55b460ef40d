package pubsub

import (
	"encoding/json"
	"fmt"
	"strings"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/jackc/pgx/v5"
)

// notifyingSchema is watermill-sql's PostgreSQL schema with the payload
// stored as BYTEA, since a payload is bytes to the transport and a
// malformed one must still be stored to be poisoned. When it initialises a
// topic (tests only; the service's migrations create its tables) it also
// adds the trigger that notifies subscribers of commits; the trigger
// function itself comes from the migrations.
type notifyingSchema struct {
	wsql.DefaultPostgreSQLSchema
}

func sqlSchema(batchSize int) notifyingSchema {
	return notifyingSchema{wsql.DefaultPostgreSQLSchema{
		GeneratePayloadType: func(string) string { return "BYTEA" },
		SubscribeBatchSize:  batchSize,
	}}
}

// SchemaInitializingQueries adds the notify trigger to the library's
// queries. The library may run them twice, the second time outside its
// lock, so the trigger is created only when missing.
func (s notifyingSchema) SchemaInitializingQueries(p wsql.SchemaInitializingQueriesParams) ([]wsql.Query, error) {
	queries, err := s.DefaultPostgreSQLSchema.SchemaInitializingQueries(p)
	if err != nil {
		return nil, err
	}

	table := s.MessagesTable(p.Topic)
	trigger := strings.Trim(table, `"`) + "_notify"
	createTrigger := fmt.Sprintf(`
		DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = '%s'::regclass AND tgname = '%s') THEN
				CREATE TRIGGER %s AFTER INSERT ON %s
					FOR EACH STATEMENT EXECUTE FUNCTION watermill_notify_insert();
			END IF;
		END $$`, table, trigger, pgx.Identifier{trigger}.Sanitize(), table)

	return append(queries, wsql.Query{Query: createTrigger}), nil
}

// UnmarshalMessage decodes a row like the library, except that metadata
// which is not a JSON object of strings marks the message unreadable
// instead of failing the read: the library would fail every read of the
// consumer group on that row, forever.
func (s notifyingSchema) UnmarshalMessage(p wsql.UnmarshalMessageParams) (wsql.Row, error) {
	return ReadSQLRow(s.DefaultPostgreSQLSchema, p.Row)
}

// ReadSQLRow decodes a row of a message table selected as the schema's
// own query does (offset, transaction ID, UUID, payload, metadata), with
// unreadable metadata marked as MetadataUnreadable rather than an error.
func ReadSQLRow(schema wsql.DefaultPostgreSQLSchema, row wsql.Scanner) (wsql.Row, error) {
	return schema.UnmarshalMessage(wsql.UnmarshalMessageParams{Row: tolerantRow{row}})
}

// tolerantRow replaces metadata that does not decode with metadata that
// says why, keeping the raw text in the reason.
type tolerantRow struct{ wsql.Scanner }

func (r tolerantRow) Scan(dest ...any) error {
	if err := r.Scanner.Scan(dest...); err != nil {
		return err
	}

	meta, ok := dest[len(dest)-1].(*[]byte)
	if !ok || *meta == nil {
		return nil
	}

	var decoded map[string]string
	if err := json.Unmarshal(*meta, &decoded); err != nil {
		reason := fmt.Sprintf("metadata %.200q is not a JSON object of strings: %v", *meta, err)
		*meta, _ = json.Marshal(map[string]string{MetadataUnreadable: reason})
	}

	return nil
}
