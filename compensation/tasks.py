"""Celery tasks of the Pay pillar: thin wrappers that enter the tenant scope and call one service."""

from __future__ import annotations

from celery import shared_task

from spm.tenancy.tasks import tenant_task


@shared_task(acks_late=True)
@tenant_task
def calculation_run(*, tenant_id: int, run_id: int):
    """Execute calculation run `run_id`. Safe to deliver twice: the service claims the run row."""
    from compensation.services import calculation_execute

    run = calculation_execute(run_id=run_id)
    return {"run_id": run.pk, "status": run.status}
