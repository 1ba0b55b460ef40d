// Package test holds the black-box suites: they build the service, start it
// as a process with a backend's environment and drive it over HTTP, so each
// backend runs the same scenarios. A backend is one entry in backends.
package test
