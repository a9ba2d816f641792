# The two set-up commands of the README: `make demo` and `make test`. Both build on `make install`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: install demo test lint migrate bench loadtest clean

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

# The migrations check compares models with migration files only: an in-memory database, so it never
# connects to a CI database pytest has not created yet (Django would warn it cannot check the history).
test: lint
	DATABASE_URL=sqlite://:memory: $(BIN)/python manage.py makemigrations --check --dry-run --settings=spm.settings.test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# PostgreSQL only: DATABASE_URL=postgres://…/spm_bench make bench [BENCH_ARGS="--sellers 2000 --opportunities 200000"]
# (default: 10,000 sellers / 1,000,000 deals, the size of issue 11; the calculation alone takes minutes there).
# Ends with the load test (below) on the same database; LOADTEST=0 skips it.
LOADTEST ?= 1
bench: migrate
	$(BIN)/python manage.py bench $(BENCH_ARGS)
	@if [ "$(LOADTEST)" = "0" ]; then echo "load test skipped (LOADTEST=0)"; else $(MAKE) --no-print-directory loadtest; fi

# PostgreSQL with the demo data (demo_setup, run eagerly: skipped when acme exists): gunicorn on
# LOAD_PORT, 50 users on mixed role journeys with 1–3 s think time for 60 s, p50/p95/p99 per page
# into the Load section of docs/benchmarks.md; fails on any error. LOAD_ARGS="--users 20 …" to vary.
# REDIS_URL set (e.g. redis://127.0.0.1:6379/3): gunicorn's workers share one cache on it (spm/cache_backend.py).
LOAD_PORT ?= 8099
loadtest: migrate
	REDIS_URL= $(BIN)/python manage.py demo_setup
	DJANGO_SETTINGS_MODULE=spm.settings.production SECRET_KEY=$${SECRET_KEY:-loadtest-only-secret-key-0123456789abcdef} \
	  ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false SECURE_COOKIES=false CONN_MAX_AGE=60 LOGIN_THROTTLE_RATE=1000/min \
	  $(BIN)/gunicorn spm.wsgi -b 127.0.0.1:$(LOAD_PORT) -w 2 --threads 8 --keep-alive 10 --timeout 60 --access-logfile /dev/null \
	  --pid .loadtest-gunicorn.pid --daemon
	sleep 3
	$(BIN)/python manage.py loadtest --url http://127.0.0.1:$(LOAD_PORT) --output docs/benchmarks.md $(LOAD_ARGS); \
	  status=$$?; kill $$(cat .loadtest-gunicorn.pid); exit $$status

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .ruff_cache
