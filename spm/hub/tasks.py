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
    from spm.background import resend_lost_work
    from spm.hub.imports import import_job_resend_queued

    return resend_lost_work(import_job_resend_queued)
