// Package httpapi is the HTTP port: it decodes requests, calls the
// application and maps its answers and errors to the JSON contract, with
// errors as RFC 9457 problem details. gorilla/mux appears only in
// router.go, so swapping the router changes one file.
package httpapi
