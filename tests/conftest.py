"""Shared fixtures: the real stack when it is there, two tenants with one persona per role.

On PostgreSQL the test database is created and migrated as the owner (superuser here), then every
connection drops to the application role (spm.tenancy.db), exactly as in production: RLS applies
to the tests too.

Services: tests marked ``postgres``, ``redis`` or ``browser`` are skipped with a reason when the
service is absent — except with ``SPM_REQUIRE_SERVICES=1`` (CI), where such a skip is a usage error
that fails the whole run, naming the missing service. A run that collects no test at all also
fails in that mode (pytest's exit code 5 must never look like success), and so does ANY other skip
(a plain ``skipif`` on shared data such as the CRM export, ``pytest.skip()``, ``importorskip``):
in CI a skipped test is reported as failed with its skip reason, so CI cannot pass without what it
claims to test. Only ``xfail`` is left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests import factories
from tests.ci_guard import _require_services, pytest_runtest_makereport  # noqa: F401 (a hook for pytest)

# Playwright's sync API runs an event loop in the test thread; Django's live_server calls from it
# would otherwise raise SynchronousOnlyOperation (see PITFALLS.md, browser tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")




def _postgres_configured() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def chromium_path() -> str | None:
    for path in CHROMIUM_PATHS:
        if os.path.exists(path):
            return path
    return shutil.which("chromium")


def _redis_reason() -> str | None:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "needs Redis: set REDIS_URL=redis://…"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                return f"needs Redis: {parsed.hostname}:{parsed.port} did not answer PING"
    except OSError as exc:
        return f"needs Redis: cannot reach {parsed.hostname}:{parsed.port} ({exc})"
    return None


def _browser_reason() -> str | None:
    if chromium_path() is None:
        return "needs Chromium: apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright Python package (pip install playwright; never `playwright install`)"
    return None


def _service_reasons(markers_in_use: set[str]) -> dict[str, str | None]:
    reasons: dict[str, str | None] = {}
    if "postgres" in markers_in_use:
        reasons["postgres"] = None if _postgres_configured() else "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if "redis" in markers_in_use:
        reasons["redis"] = _redis_reason()
    if "browser" in markers_in_use:
        reasons["browser"] = _browser_reason()
    return reasons


def pytest_collection_modifyitems(config, items):
    """Skip tests of absent services with a clear reason; under SPM_REQUIRE_SERVICES=1, fail instead."""
    in_use = {m for item in items for m in ("postgres", "redis", "browser") if item.get_closest_marker(m)}
    reasons = _service_reasons(in_use)
    missing: dict[str, list[str]] = {}
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                missing.setdefault(reason, []).append(item.nodeid)
                item.add_marker(pytest.mark.skip(reason=reason))
    if missing and _require_services():
        lines = [f"  - {reason} ({len(ids)} test(s), e.g. {ids[0]})" for reason, ids in missing.items()]
        raise pytest.UsageError(
            "SPM_REQUIRE_SERVICES=1 but a required service is missing, so these tests would be skipped:\n"
            + "\n".join(lines)
        )


def pytest_sessionfinish(session, exitstatus):
    """In CI, collecting nothing is a failure, never a silent pass."""
    if _require_services() and session.testscollected == 0 and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED


def close_stray_connections() -> int:
    """Close every open Django database connection of this process, in whatever context it lives.

    django.db.connections keeps its wrappers in an asgiref Local: contextvar storage, copied on
    write. A connection first opened in a context other than the one pytest-django tears down in
    (the Playwright/live-server browser test does this) is invisible to `connections.close_all()`
    there, stays open, and PostgreSQL then refuses DROP DATABASE ("being accessed by other
    users"): the test database was left behind after every CI run. Found here through the garbage
    collector instead and closed at the driver level (the wrapper may belong to another thread).
    """
    import gc

    from django.db.backends.base.base import BaseDatabaseWrapper

    closed = 0
    for obj in gc.get_objects():
        try:
            is_open = issubclass(type(obj), BaseDatabaseWrapper) and obj.connection is not None
        except Exception:  # noqa: BLE001 - lazy objects that refuse inspection
            continue
        if is_open:
            try:
                obj.connection.close()
            finally:
                obj.connection = None
            closed += 1
    return closed


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test database, with every connection closed before it is dropped."""
    yield
    close_stray_connections()


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, made to depend on the test database.

    Without the dependency pytest may start the (session-scoped) server before the test database
    and so stop it after the database teardown: a request thread of the server still holds its
    connection, DROP DATABASE fails ("being accessed by other users") and the test database is
    left behind. Set up after the database, the server is stopped before it is dropped.
    """
    yield live_server


@contextmanager
def committed(django_db_blocker) -> Iterator[None]:
    """Data built inside stays committed until the block ends, then every table is flushed.

    For module-scoped worlds (the sweep, the RLS test): building two complete tenants costs about a
    second on PostgreSQL, so they are built once per module, outside the per-test transaction that
    still rolls back whatever each test writes. The flush is the same one Django's
    TransactionTestCase runs after a transactional test.
    """
    from django.core.management import call_command

    with django_db_blocker.unblock():
        try:
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0, reset_sequences=False)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the (process-wide) cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def acme(db):
    """Tenant A with one persona per role (see factories.build_tenant for who sees what)."""
    return factories.build_tenant("acme")


@pytest.fixture
def globex(db):
    """Tenant B: the same shape, so every test can prove A never sees B."""
    return factories.build_tenant("globex")


# --- API clients and scenario tenants (used by several apps' tests) -------------------------------

SCENARIOS = Path(__file__).parent / "compensation" / "scenarios"


def scenario_data(name: str = "basic") -> dict:
    return json.loads((SCENARIOS / f"{name}.json").read_text())


@pytest.fixture
def api_as():
    """api_as(world, "finance") -> an APIClient logged in as that persona."""
    from rest_framework.test import APIClient

    def make(world, persona: str) -> APIClient:
        client = APIClient()
        client.force_login(world.users[persona])
        return client

    return make


@pytest.fixture
def scenario_file():
    return SCENARIOS / "basic.json"


@pytest.fixture
def loaded(db):
    """Tenant "scen" loaded from tests/compensation/scenarios/basic.json (sellers S-1, S-2 under M-1)."""
    from spm.hub.scenarios import scenario_load
    from spm.models import Tenant

    scenario_load(data=scenario_data(), tenant_slug="scen")
    return Tenant.objects.get(slug="scen")


@pytest.fixture
def calculate(django_capture_on_commit_callbacks):
    """Calculate a tenant through the product's path (request → on-commit task, eager here) and return
    the finished run: `calculate(tenant, through="2027-01")`."""
    from compensation.services import calculation_request
    from spm.tenancy.db import tenant_atomic

    def run(tenant, *, period_from="2027-01", through="2027-03"):
        with django_capture_on_commit_callbacks(execute=True), tenant_atomic(tenant):
            calculation_run = calculation_request(period_from=period_from, period_through=through)
        with tenant_atomic(tenant):
            calculation_run.refresh_from_db()
        return calculation_run

    return run

