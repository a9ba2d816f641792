"""Celery tasks of the hub: thin wrappers that enter the tenant scope and call one orchestration."""

from __future__ import annotations

from celery import shared_task

from spm.tenancy.tasks import tenant_task


@shared_task(acks_late=True)
@tenant_task
def import_job_run(*, tenant_id: int, job_id: int):
    """Import the file of job `job_id` (large uploads). Safe to deliver twice: only a queued job runs."""
    from spm.hub.imports import import_job_execute

    job = import_job_execute(job_id=job_id)
    return {"job_id": job_id, "status": getattr(job, "status", None)}


@shared_task
def resend_lost_imports() -> int:
    """Beat, every minute: import jobs still queued whose message the broker lost are sent again
    (only when the broker's queue is empty; see compensation.tasks.resend_lost_runs)."""
    import datetime as dt

    from django.conf import settings

    from spm.background import queue_backlog
    from spm.hub.imports import import_job_resend_queued
    from spm.models import Tenant
    from spm.tenancy.db import tenant_atomic

    if queue_backlog() != 0:
        return 0
    older_than = dt.timedelta(seconds=settings.SPM_RESEND_QUEUED_AFTER)
    resent = 0
    for tenant in Tenant.objects.order_by("id"):
        with tenant_atomic(tenant):
            resent += len(import_job_resend_queued(older_than=older_than))
    return resent
