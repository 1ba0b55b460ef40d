package pubsub

import (
	"context"

	"github.com/ThreeDotsLabs/watermill/message"
)

// Backend is one transport: where events are published, how a consumer
// group subscribes, and how readiness is checked. Each BACKEND value builds
// one.
type Backend struct {
	// Name is the BACKEND value, for logs.
	Name string
	// Publisher publishes events and poisoned messages.
	Publisher message.Publisher
	// NewSubscriber subscribes one consumer group, named after its handler.
	NewSubscriber func(consumerGroup string) (message.Subscriber, error)
	// Ready reports whether the transport can be used right now.
	Ready func(ctx context.Context) error
	// Close releases the transport after the router stopped.
	Close func() error
}
