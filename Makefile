# The few targets a newcomer needs. Everything installs into .venv from this file.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint types unit bench soak fuzz fuzz-atheris clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

# Serve the demo configuration on loopback with one-time tokens for its people and
# agent, until interrupted (`interlock check --demo` still shows the decision offline).
run: $(STAMP)
	@echo "Replay public incidents through interlock:  $(BIN)/interlock demo"
	$(BIN)/interlock serve --config examples/demo.yaml --host 127.0.0.1 --port $${PORT:-8420} \
		--issue-token alice --issue-token bob --issue-token carol --issue-token kiro

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

# The browser tests drive Debian's chromium (never a downloaded build); CI runs as root.
.PHONY: browser
browser:
	@test -x /usr/bin/chromium || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

test: browser lint types unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The load benchmark (1 and 3 gateways on one PostgreSQL) for longer phases than
# `make bench` runs; tests/scale is its bounded form in `make test`.
soak: $(STAMP)
	INTERLOCK_BENCH_ONLY=load INTERLOCK_LOAD_SECONDS=$${INTERLOCK_LOAD_SECONDS:-300} \
		$(BIN)/python -m benchmarks

# A million inputs across the fuzz targets (tests/fuzz), a fresh seed each run (printed
# in the summary; INTERLOCK_FUZZ_SEED=N replays one). `make test` runs a short share.
fuzz: $(STAMP)
	INTERLOCK_FUZZ_EXAMPLES=$${INTERLOCK_FUZZ_EXAMPLES:-1000000} \
	INTERLOCK_FUZZ_SEED=$${INTERLOCK_FUZZ_SEED:-random} \
		$(BIN)/pytest -q tests/fuzz -m fuzz -p no:cacheprovider

# Coverage-guided (atheris/libFuzzer) over the same properties, ATHERIS_RUNS inputs a target;
# a failing input is written to $(ATHERIS_DIR)/crash-*.
ATHERIS_RUNS ?= 100000
ATHERIS_DIR  ?= $${TMPDIR:-/tmp}/interlock-atheris
fuzz-atheris: $(STAMP)
	$(BIN)/pip install -q -e '.[fuzz]'
	mkdir -p $(ATHERIS_DIR)
	for target in shell plans hook; do \
		$(BIN)/python -m tests.fuzz.atheris_main $$target -runs=$(ATHERIS_RUNS) \
			-artifact_prefix=$(ATHERIS_DIR)/$$target- -print_final_stats=1 || exit 1; \
	done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
