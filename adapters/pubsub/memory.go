package pubsub

import (
	"context"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
)

// NewMemory is the in-process backend on a Watermill GoChannel. With sync
// true, a publish returns only after every subscriber acknowledged the
// message, so its handlers have run; otherwise it returns at once and the
// handlers run on their own goroutines. Every subscriber sees every
// message: consumer groups have one member.
func NewMemory(sync bool, logger watermill.LoggerAdapter) Backend {
	channel := gochannel.NewGoChannel(gochannel.Config{
		BlockPublishUntilSubscriberAck: sync,
	}, logger)

	return Backend{
		Name:      "memory",
		Publisher: channel,
		NewSubscriber: func(string) (message.Subscriber, error) {
			return channel, nil
		},
		Ready: func(context.Context) error { return nil },
		Close: channel.Close,
	}
}
