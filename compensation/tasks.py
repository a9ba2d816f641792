"""Celery tasks of the Pay pillar: thin wrappers that enter the tenant scope and call one service."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from spm.errors import DomainError
from spm.models import Tenant
from spm.tenancy.db import tenant_atomic
from spm.tenancy.tasks import tenant_task

logger = logging.getLogger(__name__)


def _each_tenant(work: Callable[[], int], what: str) -> int:
    """Beat jobs: `work()` in every tenant, each in its own scope and transaction; a refusal in one tenant
    (a DomainError, e.g. a calculation already running) is logged and rolls back only that tenant."""
    total = 0
    for tenant in Tenant.objects.order_by("id"):
        try:
            with tenant_atomic(tenant):
                total += work()
        except DomainError as exc:
            logger.warning("beat job refused in a tenant", extra={"job": what, "tenant": tenant.slug, "reason": str(exc)})
    return total


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

    return _each_tenant(calculation_release_stale, "release_stale_runs")


@shared_task
def approval_reminders_daily() -> int:
    """Beat, daily: e-mail approvers (and delegates) the statements waiting at their step for more than
    APPROVAL_REMINDER_DAYS days, in every tenant. Safe to run twice a day: each step is reminded once a day."""
    from compensation.routing.services import approval_reminders_send

    return _each_tenant(lambda: approval_reminders_send(older_than_days=settings.APPROVAL_REMINDER_DAYS),
                        "approval_reminders_daily")


@shared_task
def holds_release_daily() -> int:
    """Beat, daily: release every hold whose release date has passed into the current month, in every
    tenant (one recalculation per tenant). Safe to run twice: released holds are skipped."""
    from compensation.holds.services import holds_release_due

    today = timezone.localdate()
    return _each_tenant(lambda: holds_release_due(today=today), "holds_release_daily")


@shared_task
def resend_lost_runs() -> int:
    """Beat, every minute: runs still queued whose message the broker lost (a Redis restart) are sent again.

    Only when the broker's queue is empty (a waiting message may be the run's own); a run counts as
    lost after SPM_RESEND_QUEUED_AFTER seconds in `queued`. Idempotent: see calculation_resend_queued.
    """
    from compensation.services import calculation_resend_queued
    from spm.background import resend_lost_work

    return resend_lost_work(calculation_resend_queued)


@shared_task(acks_late=True)
@tenant_task
def recalculate_after_change(*, tenant_id: int, seller_ids=(), months=None, all_sellers: bool = False, fx=()):
    """Recalculate what a committed change affects (compensation.services.recalculation).

    Safe to run twice (it equals a full rerun). A failure is logged, never raised into the request
    that committed the change (eagerly, this runs in its on_commit callback).
    """
    import logging

    from compensation.services.recalculation import calculation_recalculate

    try:
        return calculation_recalculate(seller_ids=seller_ids, months=months, all_sellers=all_sellers, fx=fx)
    except Exception as exc:  # noqa: BLE001 - the change is committed; a failed recalculation is reported, not raised
        logging.getLogger(__name__).exception("recalculation after a change failed",
                                              extra={"tenant_id": tenant_id, "error": str(exc)})
        return {"error": str(exc)}
