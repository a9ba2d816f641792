# The two set-up commands of the README: `make demo` and `make test`. Both build on `make install`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: install demo test lint migrate bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py demo_setup
	$(BIN)/python manage.py demo_serve 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=spm.settings.test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# PostgreSQL only: DATABASE_URL=postgres://…/spm_bench make bench [BENCH_ARGS="--sellers 10000 …"]
bench: migrate
	$(BIN)/python manage.py bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .ruff_cache
