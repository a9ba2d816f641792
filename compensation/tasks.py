"""Celery tasks of the Pay pillar: thin wrappers that enter the tenant scope and call one service."""

from __future__ import annotations

from celery import shared_task

from spm.models import Tenant
from spm.tenancy.db import tenant_atomic
from spm.tenancy.tasks import tenant_task


@shared_task(acks_late=True)
@tenant_task
def calculation_run(*, tenant_id: int, run_id: int):
    """Execute calculation run `run_id`. Safe to deliver twice: the service claims the run row."""
    from compensation.services import calculation_execute

    run = calculation_execute(run_id=run_id)
    return {"run_id": run.pk, "status": run.status}


@shared_task
def release_stale_runs() -> int:
    """Beat, every 10 minutes: fail orphaned calculation runs in every tenant, each in its own scope.

    Without it an orphaned run would block its tenant until the next calculation request.
    """
    from compensation.services import calculation_release_stale

    released = 0
    for tenant in Tenant.objects.order_by("id"):
        with tenant_atomic(tenant):
            released += calculation_release_stale()
    return released


@shared_task
def resend_lost_runs() -> int:
    """Beat, every minute: runs still queued whose message the broker lost (a Redis restart) are sent again.

    Only when the broker's queue is empty (a waiting message may be the run's own); a run counts as
    lost after SPM_RESEND_QUEUED_AFTER seconds in `queued`. Idempotent: see calculation_resend_queued.
    """
    import datetime as dt

    from django.conf import settings

    from compensation.services import calculation_resend_queued
    from spm.background import queue_backlog

    if queue_backlog() != 0:
        return 0
    older_than = dt.timedelta(seconds=settings.SPM_RESEND_QUEUED_AFTER)
    resent = 0
    for tenant in Tenant.objects.order_by("id"):
        with tenant_atomic(tenant):
            resent += len(calculation_resend_queued(older_than=older_than))
    return resent


@shared_task(acks_late=True)
@tenant_task
def recalculate_after_change(*, tenant_id: int, seller_ids=(), months=None, all_sellers: bool = False):
    """Recalculate what a committed change affects (compensation.services.recalculation).

    Safe to run twice (it equals a full rerun). A failure is logged, never raised into the request
    that committed the change (eagerly, this runs in its on_commit callback).
    """
    import logging

    from compensation.services.recalculation import calculation_recalculate

    try:
        return calculation_recalculate(seller_ids=seller_ids, months=months, all_sellers=all_sellers)
    except Exception as exc:  # noqa: BLE001 - the change is committed; a failed recalculation is reported, not raised
        logging.getLogger(__name__).exception("recalculation after a change failed",
                                              extra={"tenant_id": tenant_id, "error": str(exc)})
        return {"error": str(exc)}
