# djleak developer entry points. `make test` is what CI runs (.ci/run).
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: build demo test bench docs fuzz map-screenshot

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
# Multitool), then vet and run every test (the fuzz targets' seed corpora
# included), then fuzz each target briefly.
test:
	.ci/install-deps
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

# Run every fuzz target in the repository for FUZZTIME each (.ci/fuzz:
# one target of one package at a time; failing inputs are written to the
# package's testdata/fuzz/, minimized for at most FUZZMINIMIZETIME).
FUZZTIME ?= 60s
TEST_FUZZTIME ?= 5s
FUZZMINIMIZETIME ?= 5s
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZMINIMIZETIME=$(FUZZMINIMIZETIME) .ci/fuzz

# Speed and memory against the targets: Django's source scanned by djleak,
# parsed by plain tree-sitter and scanned by Bandit, the stdin and editor
# re-lints, copies of the tree, big Python modules and nginx
# configurations; ends with one table of figures, targets and ratios
# (.ci/bench; the raw output is kept in bin/bench.txt).
BENCHCOUNT ?= 3
bench:
	.ci/install-deps
	GO=$(GO) BENCHCOUNT=$(BENCHCOUNT) .ci/bench

# Regenerate the rule table in README.md and docs/rules.md.
docs:
	$(GO) test ./rules -run TestGeneratedDocs -update

# Re-take docs/map-seed.png, the README's screenshot of the seed's trust map,
# with the headless Chromium run of the map test.
map-screenshot:
	.ci/install-deps
	DJLEAK_MAP_SCREENSHOT=$(CURDIR)/docs/map-seed.png $(GO) test -count=1 ./cmd/djleak -run '^TestMapInChromium$$'
