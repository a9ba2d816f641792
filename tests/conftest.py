"""Shared fixtures: the real stack when it is there, two tenants with one persona per role.

On PostgreSQL the test database is created and migrated as the owner (superuser here), then every
connection drops to the application role (spm.tenancy.db), exactly as in production: RLS applies
to the tests too.
"""

from __future__ import annotations

import os

import pytest

from tests import factories


def _postgres_configured() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config, items):
    """Skip tests of absent services with a clear reason (CI fails if any of these skip)."""
    import shutil

    reasons = {
        "postgres": None if _postgres_configured() else "needs PostgreSQL: set DATABASE_URL=postgres://…",
        "redis": None if os.environ.get("REDIS_URL") else "needs Redis: set REDIS_URL=redis://…",
        "browser": None
        if (shutil.which("chromium") or os.path.exists("/usr/lib/chromium/chromium"))
        else "needs Chromium: apt-get install -y chromium",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def acme(db):
    """Tenant A with one persona per role (see factories.build_tenant for who sees what)."""
    return factories.build_tenant("acme")


@pytest.fixture
def globex(db):
    """Tenant B: the same shape, so every test can prove A never sees B."""
    return factories.build_tenant("globex")
