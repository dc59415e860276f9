# djleak developer entry points. `make test` is what CI runs (.ci/run).
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: build demo test bench docs map-screenshot

build:
	$(GO) build -o bin/djleak ./cmd/djleak

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

# Re-take docs/map-seed.png, the README's screenshot of the seed's trust map,
# with the headless Chromium run of the map test.
map-screenshot:
	.ci/install-deps
	DJLEAK_MAP_SCREENSHOT=$(CURDIR)/docs/map-seed.png $(GO) test -count=1 ./cmd/djleak -run '^TestMapInChromium$$'
