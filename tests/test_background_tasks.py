"""No request waits for a calculation: without a broker the task runs on an in-process thread.

The request answers 202 with the run still queued; the run then finishes on the pool thread and
polling the run (API or the htmx progress fragment) shows it done, as with a real worker.
"""

from __future__ import annotations

import threading

import pytest
from django.urls import reverse

from spm import background

pytestmark = pytest.mark.django_db(transaction=True)  # the pool thread has its own connection


@pytest.fixture
def background_on(settings):
    settings.SPM_BACKGROUND_TASKS = True
    yield
    background.wait_idle()


def test_a_run_request_answers_before_the_calculation_and_the_run_finishes_off_thread(
    acme, api_as, background_on, monkeypatch
):
    import compensation.services as services
    from compensation.services import calculation

    started = threading.Event()
    release = threading.Event()
    ran_on = []
    real_execute = calculation.calculation_execute

    def slow_execute(*, run_id):
        ran_on.append(threading.current_thread().name)
        started.set()
        assert release.wait(10), "the test never released the calculation"
        return real_execute(run_id=run_id)

    monkeypatch.setattr(services, "calculation_execute", slow_execute)
    client = api_as(acme, "revops")
    response = client.post("/api/v1/t/acme/runs/", {"period_from": "2027-01"}, format="json")
    assert response.status_code == 202, response.content
    run = response.json()
    assert run["status"] == "queued"  # answered while the calculation is still blocked
    assert started.wait(10), "the task never started on the pool"
    assert ran_on[0].startswith("spm-task")
    assert client.get(f"/api/v1/t/acme/runs/{run['id']}/").json()["status"] in ("queued", "running")
    release.set()
    background.wait_idle()
    done = client.get(f"/api/v1/t/acme/runs/{run['id']}/").json()
    assert (done["status"], done["progress"]) == ("succeeded", 100)
    page = api_as(acme, "revops").get(reverse("compensation:run_progress", kwargs={"tenant": "acme", "pk": run["id"]}))
    assert page.status_code == 200
    assert 'data-status="succeeded"' in page.content.decode()


def test_outside_a_request_eager_tasks_still_run_inline(acme, settings):
    """Management commands (calculate, demo_setup) see finished work when delay() returns."""
    from compensation.services import calculation_request
    from spm.tenancy.db import tenant_atomic

    settings.SPM_BACKGROUND_TASKS = True
    with tenant_atomic(acme.tenant):
        run = calculation_request(period_from="2027-01")
    with tenant_atomic(acme.tenant):
        run.refresh_from_db()
    assert run.status == "succeeded"
