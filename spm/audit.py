"""The audit trail: one function, called by every service that changes money or plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.forms.models import model_to_dict

from spm.models import AuditEvent
from spm.tenancy.context import current_tenant


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe dict of a model's editable fields (foreign keys as ids)."""
    data = model_to_dict(instance, fields=fields)
    data.pop("tenant", None)
    return _jsonable(data)


def _event(*, actor, action: str, instance: models.Model, before: dict | None, after: dict | None) -> AuditEvent:
    return AuditEvent(
        tenant=current_tenant(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=_jsonable(before),
        after=_jsonable(after),
    )


def audit_record(
    *,
    actor,
    action: str,
    instance: models.Model,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one audit event in the caller's transaction (so it commits or rolls back with it)."""
    event = _event(actor=actor, action=action, instance=instance, before=before, after=after)
    event.save()
    return event


def audit_record_many(*, actor, action: str, changes: list[tuple[models.Model, dict | None, dict | None]]) -> int:
    """One event per (instance, before, after), written in one bulk insert: for bulk state changes."""
    events = [_event(actor=actor, action=action, instance=i, before=b, after=a) for i, b, a in changes]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)
