# Two commands from a fresh clone: `make run` and `make test`. Both honour LINLI_* variables.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint install bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Start the whole service on embedded defaults (SQLite, in-process Redis, WeChat sandbox).
run: $(STAMP)
	$(BIN)/linli migrate
	$(BIN)/linli demo-data
	@echo "指挥中心 (web console): http://127.0.0.1:8080/console/ - sign in as demo-admin with this link (5 minutes, once):"
	@$(BIN)/linli console link demo-admin --base http://127.0.0.1:8080
	@echo "微信模拟器 (web chat, two phones: a resident and the grid worker): http://127.0.0.1:8080/sandbox/chat"
	$(BIN)/linli serve --host 127.0.0.1 --port 8080

## Install what the tests need; lint, check the layering, run the whole suite.
test: $(STAMP) lint
	$(BIN)/python -m pytest -q --durations=25

lint: $(STAMP)
	$(BIN)/ruff check bot handlers rewards storage tests benchmarks
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m benchmarks.webhook_bench
	$(BIN)/python -m benchmarks.ledger_bench
	$(BIN)/python -m benchmarks.outbox_bench
	$(BIN)/python -m benchmarks.report_bench
	$(BIN)/python -m benchmarks.api_bench
	$(BIN)/python -m benchmarks.console_bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
