"""A worker killed mid-run leaves the previous results intact, and the redelivered task completes.

Real processes on the real broker: worker A (a subprocess) writes the new lines inside its write
transaction and is SIGKILLed before committing; the task was acknowledged late (acks_late), so Redis
hands it to worker B, which takes the orphaned run over (A's advisory lock died with its connection)
and finishes it. The database must be committed for other processes to see it: transaction=True.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from compensation.models import CalculationRun, EarningLine
from compensation.services import calculation_request
from performance.models import Opportunity
from spm.tenancy.db import tenant_atomic
from tests.factories import build_tenant

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _spawn_worker(**env) -> subprocess.Popen:
    full_env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "spm.settings.test", **env}
    return subprocess.Popen([sys.executable, str(ROOT / "tests" / "compensation" / "crash_worker.py")], cwd=ROOT,
                            env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def _lines(tenant):
    with tenant_atomic(tenant):
        return sorted(EarningLine.objects.values_list("seller__external_id", "period", "component", "deal_external_id",
                                                      "amount"))


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_worker_killed_mid_run_leaves_results_intact_and_the_retry_completes(tmp_path):
    from spm.celery import app

    acme = build_tenant("acme")
    with tenant_atomic(acme.tenant):  # eager (test settings): the first results
        first = calculation_request(period_from="2027-01")
    before = _lines(acme.tenant)
    assert before, "the first run wrote lines"
    with tenant_atomic(acme.tenant):
        changed = Opportunity.objects.filter(owner=acme.sellers["rep"], stage="closed_won",
                                             close_date__year=2027, close_date__month=1)
        assert changed.update(amount=Decimal("90000")) >= 1

    marker = tmp_path / "written"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    worker_a = _spawn_worker(CRASH_MARKER=str(marker))
    worker_b = None
    try:
        with tenant_atomic(acme.tenant):  # sent to Redis on commit
            run = calculation_request(period_from="2027-01")
        _wait(marker.exists, 180, "worker A to write the new lines")
        os.kill(worker_a.pid, signal.SIGKILL)
        worker_a.wait(timeout=30)

        assert _lines(acme.tenant) == before  # the uncommitted new lines died with the worker
        with tenant_atomic(acme.tenant):
            run.refresh_from_db()
        assert run.status == CalculationRun.Status.RUNNING

        worker_b = _spawn_worker()

        def finished():
            with tenant_atomic(acme.tenant):
                run.refresh_from_db()
            return run.is_finished

        _wait(finished, 240, "worker B to complete the redelivered run")
        assert run.status == CalculationRun.Status.SUCCEEDED, run.message
    finally:
        app.conf.task_always_eager = eager
        _stop(worker_a)
        if worker_b is not None:
            _stop(worker_b)

    after = _lines(acme.tenant)
    assert after != before
    with tenant_atomic(acme.tenant):  # a fresh full run (eager) agrees with the retried one
        calculation_request(period_from="2027-01")
    assert _lines(acme.tenant) == after
    assert first.pk != run.pk
