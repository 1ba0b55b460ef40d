// Package events is the inbound event port: it subscribes the application's
// event handlers to the streams they read.
package events

import (
	"fmt"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"

	"github.com/millrace/millrace/adapters/pubsub"
	"github.com/millrace/millrace/app/projection"
)

// Subscribe adds every event handler of the application to p. Each group
// is one consumer group named after its handler.
func Subscribe(p *pubsub.Processor, revenue projection.Revenue) error {
	if err := p.AddGroup(projection.RevenueHandlerName, RevenueHandlers(revenue)...); err != nil {
		return fmt.Errorf("subscribe revenue projection: %w", err)
	}

	return nil
}

// RevenueHandlers are the handlers of the revenue projection's group, for
// its subscription and for replays.
func RevenueHandlers(revenue projection.Revenue) []pubsub.Handler {
	return []pubsub.Handler{
		cqrs.NewGroupEventHandler(revenue.OnCreated),
		cqrs.NewGroupEventHandler(revenue.OnPaid),
		cqrs.NewGroupEventHandler(revenue.OnVoided),
	}
}
