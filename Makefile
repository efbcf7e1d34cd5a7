# The few targets a newcomer needs. Everything installs into .venv from this file.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint types unit bench fuzz clean

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

fuzz: $(STAMP)
	INTERLOCK_FUZZ_EXAMPLES=$${INTERLOCK_FUZZ_EXAMPLES:-1000000} $(BIN)/pytest -q tests -m fuzz -p no:cacheprovider

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
