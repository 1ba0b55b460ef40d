# The commands a user needs; README.md explains each.
GO ?= go
PKGS ?= ./...
BENCHTIME ?= 2s

.PHONY: run test bench lint services

## run: the service on the default backend (memory, async), on :8080
run:
	$(GO) run .

## test: vet, then every test with the race detector (needs the services
## that DESIGN.md lists; start them with `make services`)
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 9m $(PKGS)

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
