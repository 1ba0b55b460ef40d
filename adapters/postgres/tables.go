package postgres

import wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"

// The event log is Watermill's message table; its names come from the
// adapters the SQL backend uses, so the two cannot drift apart.

func messagesTable(topic string) string {
	return wsql.DefaultPostgreSQLSchema{}.MessagesTable(topic)
}

func offsetsTable(topic string) string {
	return wsql.DefaultPostgreSQLOffsetsAdapter{}.MessagesOffsetsTable(topic)
}
