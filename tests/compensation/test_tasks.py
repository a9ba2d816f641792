"""A real Celery worker on the real Redis broker runs the calculation (no eager mode).

The worker runs in a thread of this process (celery.contrib.testing), with its own database
connection, so the test database must be committed: hence `transaction=True`.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from compensation.models import CalculationRun, Statement
from compensation.services import calculation_request
from spm.tenancy.db import tenant_atomic
from tests.factories import build_tenant

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker():
    from celery.contrib.testing.worker import start_worker

    from spm.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            yield app
    finally:
        app.conf.task_always_eager = eager


def _wait_until_finished(tenant, run: CalculationRun, seconds: float = 60) -> CalculationRun:
    deadline = time.monotonic() + seconds
    while True:
        with tenant_atomic(tenant):
            run.refresh_from_db()
        if run.is_finished:
            return run
        assert time.monotonic() < deadline, f"run still {run.status} at {run.progress}% after {seconds}s"
        time.sleep(0.2)


def test_a_real_worker_on_redis_runs_the_calculation_in_the_right_tenant(real_worker):
    acme, globex = build_tenant("acme"), build_tenant("globex")
    with tenant_atomic(globex.tenant):
        globex_before = sorted(Statement.objects.values_list("id", "status", "total"))

    with tenant_atomic(acme.tenant):  # the task is sent to Redis when this transaction commits
        run = calculation_request(period_from="2027-01", requested_by=acme.users["revops"])
    run = _wait_until_finished(acme.tenant, run)

    assert run.status == CalculationRun.Status.SUCCEEDED, run.message
    assert run.progress == 100 and run.started_at and run.finished_at
    with tenant_atomic(acme.tenant):
        rep = Statement.objects.get(seller=acme.sellers["rep"], period="2027-01")
        # 60,000 against a 100,000 quarterly quota at 10 %: 6,000.00, in one explained line.
        assert (rep.status, rep.total, rep.prepared_by_id) == ("draft", Decimal("6000.00"), acme.users["revops"].pk)
        assert [line.amount for line in rep.lines.all()] == [Decimal("6000.00")]
    with tenant_atomic(globex.tenant):
        assert sorted(Statement.objects.values_list("id", "status", "total")) == globex_before


def test_a_second_delivery_of_the_same_run_does_nothing(real_worker):
    acme = build_tenant("acme")
    with tenant_atomic(acme.tenant):
        run = calculation_request(period_from="2027-01")
    run = _wait_until_finished(acme.tenant, run)
    finished_at = run.finished_at

    from compensation.tasks import calculation_run

    calculation_run.delay(tenant_id=acme.tenant.pk, run_id=run.pk)  # e.g. redelivered after a lost ack
    time.sleep(1.0)
    with tenant_atomic(acme.tenant):
        run.refresh_from_db()
    assert (run.status, run.finished_at) == (CalculationRun.Status.SUCCEEDED, finished_at)


def test_a_deal_edited_through_the_api_is_recalculated_by_a_real_worker(real_worker):
    """PATCH a won deal → the change commits → the recalculation task goes through Redis to the worker →
    the rep's statement follows (and equals what a full run then stores)."""
    from rest_framework.test import APIClient

    acme = build_tenant("acme")
    with tenant_atomic(acme.tenant):
        run = calculation_request(period_from="2027-01")
    assert _wait_until_finished(acme.tenant, run).status == CalculationRun.Status.SUCCEEDED
    with tenant_atomic(acme.tenant):
        runs = set(CalculationRun.objects.values_list("pk", flat=True))
    api = APIClient()
    api.force_login(acme.users["revops"])
    deal = acme.deals["rep"]
    response = api.patch(f"/api/v1/t/acme/deals/{deal.pk}/", {"amount": "80000"}, format="json")
    assert response.status_code == 200, response.content
    deadline = time.monotonic() + 60
    while True:
        with tenant_atomic(acme.tenant):
            recalc = CalculationRun.objects.exclude(pk__in=runs).first()
        if recalc is not None and recalc.is_finished:
            break
        assert time.monotonic() < deadline, "no recalculation after the API change"
        time.sleep(0.2)
    assert recalc.status == CalculationRun.Status.SUCCEEDED and "after a change" in recalc.message, recalc.message

    def stored():
        with tenant_atomic(acme.tenant):
            return sorted(Statement.objects.values_list("seller_id", "period", "total")), sorted(
                Statement.objects.get(seller=acme.sellers["rep"], period="2027-01").lines.values_list("amount", flat=True))

    recalculated = stored()
    assert recalculated[1] == [Decimal("8000.00")]  # 80,000 of a 100,000 quarterly quota at 10 %
    with tenant_atomic(acme.tenant):
        rerun = calculation_request(period_from="2027-01")
    assert _wait_until_finished(acme.tenant, rerun).status == CalculationRun.Status.SUCCEEDED
    assert stored() == recalculated
