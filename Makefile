# The commands a user needs; README.md explains each.
GO ?= go
PKGS ?= ./...
BENCHTIME ?= 2s

.PHONY: run test test-integration bench lint services

## run: the service on the default backend (memory, async), on :8080
run:
	$(GO) run .

## test: vet, then every test with the race detector (PostgreSQL and Redis
## must be up: `make services` starts them)
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 9m $(PKGS)

## test-integration: only the black-box suites that run the service as
## processes against every backend
test-integration:
	$(GO) test -race -count=1 -timeout 9m ./test/...

## bench: the benchmarks of every backend, with the raw transport rates
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 30m $(PKGS)

## lint: formatting and vet
lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt would change the files above"; exit 1; }
	$(GO) vet $(PKGS)

## services: start PostgreSQL and Redis on this machine when they are down
services:
	bash scripts/services.sh
