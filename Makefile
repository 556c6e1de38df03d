# Sunlight — the two commands that matter:
#   go run ./cmd/portal    run the portal on SQLite with demo data
#   make test              run the whole suite, on SQLite and a throwaway MariaDB

GO ?= go
STATICCHECK_VERSION := v0.8.2
REGIONS_DIR ?= $(abspath ../shared/data/regions)
BENCH ?= .
BENCHTIME ?= 1x

.PHONY: test test-go deps check fmt vet staticcheck fuzz bench build run clean

## test: everything CI runs: installs what the tests need, starts MariaDB, runs every test on both databases
test: deps
	scripts/mariadb.sh run $(MAKE) --no-print-directory test-go

test-go:
	$(GO) test -count=1 -timeout 25m ./...

## deps: Debian packages the tests need (installed only when missing, as root)
deps:
	scripts/deps.sh

## check: formatting, vet and staticcheck
check: fmt vet staticcheck

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## fuzz: every fuzz target for FUZZTIME (default 30s) from its seed corpus (CI runs it)
fuzz:
	scripts/fuzz.sh

## bench: the benchmarks the README quotes (not part of make test)
bench: deps
	SUNLIGHT_REGIONS_DIR=$(REGIONS_DIR) scripts/mariadb.sh run \
		$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -timeout 60m ./...

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/portal ./cmd/portal

run:
	$(GO) run ./cmd/portal

clean:
	rm -rf bin data
