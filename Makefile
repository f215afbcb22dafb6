# The quick start is two commands: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint docs lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml assets.lock.json $(wildcard src/civharm/locale/*/LC_MESSAGES/django.po)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python scripts/fetch_assets.py
	$(BIN)/python scripts/compile_messages.py
	@touch $(STAMP)

demo: install
	$(BIN)/civharm demo

test: install
	scripts/test.sh

bench: install
	$(BIN)/python benchmarks/run.py

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

docs: install
	$(BIN)/python scripts/cli_reference.py > docs/cli.md
	$(BIN)/python scripts/formats_reference.py --write

lock: install
	$(BIN)/python -m pip freeze --all --exclude-editable | grep -v '^pip==' | sed '1i # Exact versions for make install. Regenerate with: make lock' > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
