# djleak developer entry points. `make test` is what CI runs (.ci/run).
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: build demo test bench docs

# The version djleak reports (`djleak --version`): the release tag of the
# checkout, else 0.0.0-devel+COMMIT; builds without git use Go's build
# information.
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --dirty=.dirty 2>/dev/null || \
	git log -1 --format=0.0.0-devel+%h 2>/dev/null)

build:
	$(GO) build $(if $(VERSION),-ldflags "-X github.com/djleak/djleak/analyzer.Version=$(VERSION)") -o bin/djleak ./cmd/djleak

# Build djleak and run it on the example project made from the seed case.
demo: build
	./bin/djleak check testdata/seed || test $$? -eq 1

# Install the real tools the tests drive (nginx, Django, pre-commit, SARIF
# Multitool), then vet and run every test.
test:
	.ci/install-deps
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# Throughput and peak memory on a large tree (Django's own source).
bench:
	.ci/install-deps
	$(GO) test -run '^$$' -bench . -benchtime 3x ./analyzer/

# Regenerate the rule table in README.md and docs/rules.md.
docs:
	$(GO) test ./rules -run TestGeneratedDocs -update
