"""Redis down: pages work, a run request says the queue is unavailable, nothing is half-created."""

from __future__ import annotations

import pytest

from compensation.models import CalculationRun
from spm.celery import app
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    """A configured broker that refuses connections (a port nothing listens on)."""
    eager, url = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # require_queue opens its own connection (not the pool)
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager, url


def run_count(world) -> int:
    with tenant_atomic(world.tenant):
        return CalculationRun.objects.count()


def test_a_run_request_says_the_queue_is_unavailable_and_writes_nothing(acme, api_as, broker_down):
    before = run_count(acme)
    response = api_as(acme, "revops").post("/api/v1/t/acme/runs/", {"period_from": "2027-01"}, format="json")
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["code"] == "unavailable" and "queue is unavailable" in body["detail"] and body["errors"] == {}
    assert run_count(acme) == before


def test_pages_still_work_while_the_queue_is_down(acme, client, broker_down):
    client.force_login(acme.users["revops"])
    assert client.get(f"/t/{acme.tenant.slug}/").status_code == 200
