# memcgbench: `make` alone lists the targets.

GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 60s
# BENCHOUT is where `make bench` writes; it refuses to overwrite a file.
BENCHOUT ?= results/local/bench-$(shell date +%Y%m%d-%H%M%S).txt
CPUS     ?= 1,2
COUNT    ?= 1
BENCHTIME ?= 1s

# Recipes run under bash with pipefail, so a failing command fails its
# target even when piped through tee.
SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -c

# make report: LABEL names the results (default: CPU count and model), QUICK=1
# runs the quick sweep, FORCE=1 overwrites results of the same label; 0 or
# unset is off.
LABEL ?=
QUICK ?=
FORCE ?=
# flag turns a 0/1 variable into its flag: $(call flag,NAME,-flag).
flag = $(if $(filter-out 0 1,$($(1))),$(error $(1)=$($(1)): want 0 or 1),$(if $(filter 1,$($(1))),$(2)))
ifneq ($(words $(LABEL)),$(if $(LABEL),1,0))
$(error LABEL="$(LABEL)": a label is one word (letters, digits, '.', '_', '+', '-'))
endif
REPORTFLAGS = $(if $(LABEL),-label '$(LABEL)') $(call flag,QUICK,-quick)
FORCEFLAG   = $(call flag,FORCE,-force)

# make diff: BASE (required) and HEAD revisions; DIFFFLAGS passes more flags
# (-count, -alpha, -threshold, -units, -cpu, -bench).
BASE ?=
HEAD ?= HEAD
DIFFFLAGS ?=

.PHONY: help test race vet fuzz bench report sensitivity rates knownanswers diff clean

# What `make help` says of each variable.
HELPVARS       := LABEL QUICK FORCE BASE HEAD DIFFFLAGS CPUS COUNT BENCHTIME BENCHOUT FUZZTIME PKGS GO
doc_LABEL      := report, sensitivity, rates, knownanswers: results label (empty: CPU count and model)
doc_QUICK      := 1: the quick sweep, a smoke test (about 3.5 min on 2 cores; the full one about 33 min with six designs)
doc_FORCE      := 1: overwrite results of the same label
doc_BASE       := diff: the revision to compare against (required)
doc_HEAD       := diff: the revision compared
doc_DIFFFLAGS  := diff: more memcgbench diff flags (-count, -alpha, -threshold, -units, ...)
doc_CPUS       := bench: go test -cpu list
doc_COUNT      := bench: go test -count
doc_BENCHTIME  := bench: go test -benchtime
doc_BENCHOUT   := bench: the results file (refuses an existing one)
doc_FUZZTIME   := fuzz: time per design
doc_PKGS       := vet, test: the packages
doc_GO         := the go command

help: ## list the targets and the variables
	@echo "memcgbench make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  %-13s %s\n", $$1, $$2}'
	@echo "variables (make TARGET VAR=value; 0/1 variables are off unless 1):"
	@printf '  %-11s %-10s %s\n' NAME DEFAULT MEANING
	@$(foreach v,$(HELPVARS),printf '  %-11s %-10s %s\n' '$(v)' '$(if $(value $(v)),$(value $(v)),-)' '$(doc_$(v))';)

vet: ## go vet, gofmt check and actionlint on the workflows
	$(GO) vet $(PKGS)
	$(GO) tool actionlint
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

test: vet ## vet, then every test under the race detector (the README's test command)
	$(GO) test -race -timeout 15m $(PKGS)

race: test ## alias of test: the tests always run with -race

# Every design package has a FuzzRegistry (designtest.Fuzz over its Design).
FUZZPKGS := $(sort $(dir $(shell grep -l '^func FuzzRegistry' designs/*/*_test.go)))

fuzz: ## run the model-based fuzzer on each design for FUZZTIME (default 60s)
	@for p in $(FUZZPKGS); do \
		echo "$(GO) test -run '^$$' -fuzz '^FuzzRegistry$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 10s ./$$p"; \
		$(GO) test -run '^$$' -fuzz '^FuzzRegistry$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 10s ./$$p || exit 1; \
	done

bench: ## the benchmark sweep (-cpu CPUS, -count COUNT) into BENCHOUT, then benchstat -col /design
	@mkdir -p $(dir $(BENCHOUT))
	@test ! -e $(BENCHOUT) || { echo "make bench: $(BENCHOUT) exists; set BENCHOUT to a new file"; exit 2; }
	$(GO) test -run '^$$' -bench . -benchmem -cpu $(CPUS) -count $(COUNT) -benchtime $(BENCHTIME) ./bench ./kern ./designs/... | tee $(BENCHOUT).tmp || { rm -f $(BENCHOUT).tmp; echo "make bench: the benchmarks failed; $(BENCHOUT) not written"; exit 1; }
	@mv $(BENCHOUT).tmp $(BENCHOUT) && echo "wrote $(BENCHOUT)"
	$(GO) tool benchstat -col /design $(BENCHOUT)

report: ## sweep every design and preset, then the uncertainty run, the rate sweep and the known answers, into results/<label>/; then REPORT.md and plots/<label>/
	$(GO) run ./cmd/memcgbench sweep $(REPORTFLAGS) $(FORCEFLAG)
	$(GO) run ./cmd/memcgbench sensitivity $(REPORTFLAGS) $(FORCEFLAG)
	$(GO) run ./cmd/memcgbench rates $(REPORTFLAGS) $(FORCEFLAG)
	$(GO) run ./cmd/memcgbench knownanswers $(REPORTFLAGS) $(FORCEFLAG)
	$(GO) run ./cmd/memcgbench report $(REPORTFLAGS)

sensitivity: ## the uncertainty run: each model constant at both ends of its hosts' range, 64 virtual CPUs, into results/<label>/sensitivity.txt
	$(GO) run ./cmd/memcgbench sensitivity $(REPORTFLAGS) $(FORCEFLAG)

rates: ## sweep the real-rate presets' arrival rates at 4, 64 and 256 virtual CPUs into results/<label>/rates.txt
	$(GO) run ./cmd/memcgbench rates $(REPORTFLAGS) $(FORCEFLAG)

knownanswers: ## the published problems (mass cgroup destruction and creation, /proc/slabinfo against dead caches, dead caches and dying memcgs under churn) on every design into results/<label>/knownanswers.txt
	$(GO) run ./cmd/memcgbench knownanswers $(REPORTFLAGS) $(FORCEFLAG)

diff: ## benchmark BASE and HEAD in worktrees, interleaved; print a markdown comparison; fail on a regression
	@test -n "$(BASE)" || { echo "make diff: set BASE=<rev>, e.g. make diff BASE=HEAD~1"; exit 2; }
	$(GO) run ./cmd/memcgbench diff -base $(BASE) -head $(HEAD) $(DIFFFLAGS)

clean: ## remove local benchmark output and test caches
	rm -rf results/local
	$(GO) clean -testcache
