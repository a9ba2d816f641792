"""Redis down, then back: work queued before the outage resumes; the worker reconnects by itself.

A private Redis (no persistence, like the deployment's) on a free port, a real Celery worker process
against it. A run is queued, Redis is killed and restarted empty — its message is gone, the run row
still says `queued`. The worker, started meanwhile, survives a second outage and reconnects on its
own; the sweeper (compensation.tasks.resend_lost_runs, on Celery beat every minute) sees the empty
queue and sends the run again, and the worker completes it. A run requested while Redis is down is
refused with 503 and writes nothing: tests/test_queue_down.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from compensation.models import CalculationRun
from compensation.services import calculation_request
from compensation.tasks import resend_lost_runs
from spm.tenancy.db import tenant_atomic
from tests.factories import build_tenant

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[1]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


class PrivateRedis:
    """redis-server on its own port, nothing kept on disk: a restart starts empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)

    def start(self) -> None:
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", "/tmp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait(self._answers, 10, "redis-server to start")

    def _answers(self) -> bool:
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def consumers(self) -> int:
        """Clients blocked reading the queue: a connected, idle worker."""
        return sum(c.get("cmd") in ("brpop", "blpop") for c in self.client().client_list())


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()


def _reset_producers(app) -> None:
    """Forget pooled broker connections (the broker URL changes for this test)."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def app_on(private_redis):
    from spm.celery import app

    eager, url = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, private_redis.url
    _reset_producers(app)
    try:
        yield app
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager, url
        _reset_producers(app)


def _spawn_worker(broker_url: str) -> subprocess.Popen:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "spm.settings.test", "REDIS_URL": broker_url,
           "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"}
    # The crash test's worker script, without its crash: a plain worker process on this broker.
    env.pop("CRASH_MARKER", None)
    return subprocess.Popen([sys.executable, str(ROOT / "tests" / "compensation" / "crash_worker.py")], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _status(tenant, run_id: int) -> str:
    with tenant_atomic(tenant):
        return CalculationRun.objects.get(pk=run_id).status


def test_work_queued_before_a_redis_restart_is_sent_again_and_completes(app_on, private_redis, settings):
    acme = build_tenant("acme")
    with tenant_atomic(acme.tenant):  # no worker yet: the message waits in Redis
        run = calculation_request(period_from="2027-01", requested_by=acme.users["revops"])
    assert private_redis.client().llen("celery") == 1
    settings.SPM_RESEND_QUEUED_AFTER = 0  # production: 60 s
    # Its message still waits in the queue: the sweeper (the beat task, run here) must not duplicate it.
    assert resend_lost_runs.apply().get() == 0
    assert private_redis.client().llen("celery") == 1

    private_redis.kill()  # the outage: nothing on disk, so the restart comes back empty
    private_redis.start()
    assert private_redis.client().llen("celery") == 0
    assert _status(acme.tenant, run.pk) == CalculationRun.Status.QUEUED

    worker = _spawn_worker(private_redis.url)
    try:
        wait(lambda: private_redis.consumers() > 0 or worker.poll() is not None, 60, "the worker to connect")
        assert worker.poll() is None, worker.stderr.read().decode()[-3000:]

        private_redis.kill()  # a second outage, with the worker running: it must reconnect by itself
        time.sleep(0.5)
        private_redis.start()
        wait(lambda: private_redis.consumers() > 0 or worker.poll() is not None, 60, "the worker to reconnect")
        assert worker.poll() is None, worker.stderr.read().decode()[-3000:]
        time.sleep(1)
        assert _status(acme.tenant, run.pk) == CalculationRun.Status.QUEUED  # its message is really gone

        assert resend_lost_runs.apply().get() == 1  # the queue is empty now: the lost run is sent again
        wait(lambda: _status(acme.tenant, run.pk) in (CalculationRun.Status.SUCCEEDED, CalculationRun.Status.FAILED),
             60, "the worker to finish the re-sent run")
        with tenant_atomic(acme.tenant):
            run.refresh_from_db()
        assert run.status == CalculationRun.Status.SUCCEEDED, run.message
        assert run.statement_count > 0
        assert resend_lost_runs.apply().get() == 0  # nothing queued any more: the sweeper sends nothing
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()

