"""Celery tasks of the Perform pillar: thin wrappers that enter the tenant scope and call one service."""

from __future__ import annotations

from celery import shared_task

from spm.models import Tenant
from spm.tenancy.db import tenant_atomic
from spm.tenancy.tasks import tenant_task


@shared_task(acks_late=True)
@tenant_task
def win_model_train(*, tenant_id: int, run_id: int):
    """Train the tenant's win-probability model for run `run_id` (claims the run: safe to deliver twice)."""
    from performance.forecasting.services import win_model_train as train

    run = train(run_id=run_id)
    return {"run_id": run.pk, "status": run.status}


@shared_task
def alerts_daily_digest() -> dict:
    """Beat, daily: refresh the risk alerts of every tenant and e-mail each owner and manager a digest."""
    from performance.alerts.services import alerts_refresh, digest_send

    totals = {"tenants": 0, "alerts": 0, "emails": 0}
    for tenant in Tenant.objects.order_by("id"):
        with tenant_atomic(tenant):
            refreshed = alerts_refresh(actor=None)
        with tenant_atomic(tenant):
            sent = digest_send()
        totals["tenants"] += 1
        totals["alerts"] += refreshed["open"]
        totals["emails"] += sent
    return totals


@shared_task(acks_late=True)
@tenant_task
def pipeline_summaries_roll(*, tenant_id: int, as_of: str | None = None) -> dict:
    """Rebuild one tenant's pipeline summary for a day (default today); safe to run twice."""
    from datetime import date

    from performance.pipeline.summaries import pipeline_summaries_rebuild

    with tenant_atomic(Tenant.objects.get(pk=tenant_id)):
        state = pipeline_summaries_rebuild(as_of=date.fromisoformat(as_of) if as_of else None)
    return {"tenant_id": tenant_id, "as_of": state.as_of.isoformat()}


@shared_task
def pipeline_summaries_daily() -> dict:
    """Beat, just after midnight: roll every tenant's pipeline summary to the new day (aging moves)."""
    from performance.models import Opportunity

    tenants = 0
    for tenant in Tenant.objects.order_by("id"):
        with tenant_atomic(tenant):
            if not Opportunity.objects.exists():
                continue
        pipeline_summaries_roll(tenant_id=tenant.pk)
        tenants += 1
    return {"tenants": tenants}
