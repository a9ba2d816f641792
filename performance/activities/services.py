"""Writes of activities: one logged in the app, or a CRM file of them. Every change is audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from performance.activities.models import Activity
from spm.audit import audit_record, snapshot
from spm.errors import DomainError
from spm.tenancy.context import current_tenant

KINDS = {k.value for k in Activity.Kind}


def activity_log(*, owner, kind: str, occurred_on: dt.date, actor, subject: str = "", opportunity=None) -> Activity:
    """A meeting, call or e-mail of ``owner``. Errors: unknown kind, a future date, someone else's deal."""
    if kind not in KINDS:
        raise DomainError(f"kind: {str(kind)[:20]!r} is not one of {', '.join(sorted(KINDS))}", field="kind")
    if not isinstance(occurred_on, dt.date):
        raise DomainError("occurred_on: a date is required", field="occurred_on")
    if occurred_on > timezone.localdate():
        raise DomainError("occurred_on: an activity is logged once it happened, not ahead", field="occurred_on")
    if opportunity is not None and opportunity.owner_id != owner.pk:
        raise DomainError("opportunity: the deal is not owned by this seller", field="opportunity")
    with transaction.atomic():
        activity = Activity(tenant=current_tenant(), owner=owner, kind=kind, occurred_on=occurred_on,
                            subject=(subject or "").strip()[:200], opportunity=opportunity,
                            created_by=actor if getattr(actor, "pk", None) else None, created_at=timezone.now())
        activity.save()
        audit_record(actor=actor, action="activity.log", instance=activity, after=snapshot(activity))
    return activity
