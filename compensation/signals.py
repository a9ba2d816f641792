"""Notice changes that affect pay, for recalculation on change (compensation.services.recalculation).

The receivers only RECORD what changed (ids, the first month concerned); the work happens in a Celery
task after the transaction commits. Senders are named lazily ("performance.Opportunity"), so the Pay
pillar never imports another pillar's models. Raw saves (fixtures) are ignored.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from spm.fiscal import month_key


def _record(**kwargs) -> None:
    from compensation.services.recalculation import change_record

    change_record(**kwargs)


def _month(d) -> str | None:
    return month_key(d) if d is not None else None


def _deal(sender, instance, raw=False, **kwargs):
    if not raw:
        _record(tenant_id=instance.tenant_id, deals=[instance.pk], month=_month(instance.close_date))


def _split(sender, instance, raw=False, **kwargs):
    if not raw:
        _record(tenant_id=instance.tenant_id, deals=[instance.opportunity_id], sellers=[instance.seller_id])


def _event(sender, instance, raw=False, **kwargs):
    if not raw:
        _record(tenant_id=instance.tenant_id, deals=[instance.opportunity_id], month=_month(instance.date))


def _quota(sender, instance, raw=False, **kwargs):
    if not raw:
        _record(tenant_id=instance.tenant_id, sellers=[instance.seller_id], quota_periods=[instance.period])


def _assignment(sender, instance, raw=False, **kwargs):
    # the previous start date is not known here: recalculate the seller from the first calculated month
    if not raw:
        _record(tenant_id=instance.tenant_id, sellers=[instance.seller_id])


def _adjustment(sender, instance, raw=False, **kwargs):
    if not raw:
        _record(tenant_id=instance.tenant_id, sellers=[instance.seller_id], adjustments=[instance.pk],
                month=instance.period)


def _fx_rate(sender, instance, raw=False, **kwargs):
    if not raw:
        _record(tenant_id=instance.tenant_id, all_sellers=True, month=_month(instance.effective_from))


def _audited_deal(sender, instance, raw=False, created=False, **kwargs):
    """A deal's audit event carries its before/after, splits included: the only trace of a change that
    touched nothing but the splits (written with bulk_create, which sends no signal), and of the old owner
    and close date."""
    if raw or instance.object_type != "performance.opportunity" or not instance.object_id.isdigit():
        return
    sellers, months = [], []
    for state in (instance.before or {}, instance.after or {}):
        sellers.append(state.get("owner"))
        sellers.extend(split[0] for split in state.get("splits") or () if split)
        if state.get("close_date"):
            months.append(state["close_date"][:7])
    _record(tenant_id=instance.tenant_id, deals=[int(instance.object_id)],
            sellers=[s for s in sellers if isinstance(s, int)], month=min(months, default=None))


RECEIVERS = {
    "spm.AuditEvent": _audited_deal,
    "performance.Opportunity": _deal,
    "performance.OpportunitySplit": _split,
    "performance.OpportunityEvent": _event,
    "planning.Quota": _quota,
    "compensation.PlanAssignment": _assignment,
    "compensation.Adjustment": _adjustment,
    "spm.FxRate": _fx_rate,
}


def connect() -> None:
    for sender, receiver in RECEIVERS.items():
        post_save.connect(receiver, sender=sender, dispatch_uid=f"recalc-save-{sender}")
        post_delete.connect(receiver, sender=sender, dispatch_uid=f"recalc-delete-{sender}")
