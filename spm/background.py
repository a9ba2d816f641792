"""Without a broker, tasks run in this process but never on the request thread.

With REDIS_URL, Celery sends tasks to the worker and nothing here applies. Without it (the
embedded demo, `manage.py runserver`, a single gunicorn box), Celery is eager; a task started
by a request (`transaction.on_commit(lambda: task.delay(...))`) would then run inside that request
and hold a server thread — and the browser — until a calculation finished. Instead, when the
`delay()` happens while a request is being served, the task is handed to a small thread pool of
this process and the request answers at once; the page then polls the run row exactly as it does
with a real worker (the progress bar works the same).

Outside a request (management commands, tests by default) eager tasks still run inline, so
`calculate`, `demo_setup` and the unit tests see finished work when `delay()` returns.

Settings: SPM_BACKGROUND_TASKS (default: on when there is no REDIS_URL; off in tests),
SPM_BACKGROUND_WORKERS (threads, default 2).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

_serving_request: ContextVar[bool] = ContextVar("spm_serving_request", default=False)
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def serving_request() -> bool:
    return _serving_request.get()


def runs_in_background(app) -> bool:
    """True when a task started now should go to the in-process pool instead of running inline."""
    return bool(
        app.conf.task_always_eager and getattr(settings, "SPM_BACKGROUND_TASKS", False) and serving_request()
    )


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=getattr(settings, "SPM_BACKGROUND_WORKERS", 2), thread_name_prefix="spm-task"
            )
        return _executor


def submit(name: str, fn, *args, **kwargs) -> Future:
    """Run `fn` on the pool; its database connections are closed when it ends (no leak)."""

    def run():
        try:
            return fn(*args, **kwargs)
        except Exception:
            logger.exception("background task failed", extra={"task": name})
            raise
        finally:
            connections.close_all()

    return _pool().submit(run)


def wait_idle(timeout: float = 30.0) -> None:
    """Tests and shutdown: wait until every task submitted so far has finished."""
    global _executor
    with _lock:
        pool, _executor = _executor, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=False)


def require_queue(app=None, *, timeout: float = 2.0) -> None:
    """Raise ServiceUnavailableError unless tasks can be queued now. Call BEFORE writing anything.

    Eager (no broker): always available. With a broker: one quick connection attempt, so that a
    request made while Redis is down is refused up front (503, "the queue is unavailable") instead
    of committing a run that no worker will ever receive.
    """
    from spm.celery import app as default_app
    from spm.errors import ServiceUnavailableError

    app = app or default_app
    if app.conf.task_always_eager:
        return
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - kombu raises several kinds; all mean "not now"
        logger.warning("task queue unavailable", extra={"error": type(exc).__name__})
        raise ServiceUnavailableError(
            "The task queue is unavailable right now, so nothing was started; try again in a minute."
        ) from None


class RequestMarkerMiddleware:
    """Marks the current context as serving a request (see `runs_in_background`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _serving_request.set(True)
        try:
            return self.get_response(request)
        finally:
            _serving_request.reset(token)


def queue_backlog(app=None, *, timeout: float = 2.0) -> int | None:
    """How many messages wait in the default queue of the broker; None when eager or unreachable.

    The sweepers of lost work (compensation.tasks.resend_lost_runs, spm.hub.tasks.resend_lost_imports)
    re-send a queued run only when this is 0: a message still waiting there may be that run's own.
    Redis here keeps nothing on disk, so after a restart the queue is empty and every run or import
    still `queued` in the database has lost its message.
    """
    from spm.celery import app as default_app

    app = app or default_app
    if app.conf.task_always_eager:
        return None
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            # Declared as the worker declares it (a Redis restarted empty has forgotten the queue).
            queue = app.amqp.queues[app.conf.task_default_queue].bind(conn.default_channel)
            return queue.queue_declare().message_count
    except Exception as exc:  # noqa: BLE001 - down or unreachable: nothing can be re-sent now anyway
        logger.warning("task queue unavailable: %s", type(exc).__name__)
        return None


def resend_lost_work(resend) -> int:
    """The body of the lost-work sweepers: when the broker's queue is empty, `resend(older_than=…)` in
    every tenant's scope re-sends what has sat `queued` longer than SPM_RESEND_QUEUED_AFTER; returns
    how many were re-sent (0 while the queue still holds messages or the broker is unreachable)."""
    import datetime as dt

    from django.conf import settings

    from spm.models import Tenant
    from spm.tenancy.db import tenant_atomic

    if queue_backlog() != 0:
        return 0
    older_than = dt.timedelta(seconds=settings.SPM_RESEND_QUEUED_AFTER)
    resent = 0
    for tenant in Tenant.objects.order_by("id"):
        with tenant_atomic(tenant):
            resent += len(resend(older_than=older_than))
    return resent
