package pubsub

import (
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
