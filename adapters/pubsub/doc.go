// Package pubsub is the event plumbing: it turns domain events into
// Watermill messages and back, publishes them on the configured backend and
// runs the router that delivers them to handlers, with retries, a poison
// topic and correlation IDs. It knows streams and messages, never what a
// particular event means, so it survives replacing the worked example.
package pubsub
