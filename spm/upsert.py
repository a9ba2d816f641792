"""The audited upsert every pillar uses, and its created / updated / unchanged vocabulary.

One way to decide what an upsert did and to write its audit event; bulk loaders count the
`upsert_status` each returned instance carries.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from spm.audit import audit_record, snapshot
from spm.errors import DomainError
from spm.tenancy.context import current_tenant


def full_clean_or_raise(instance: models.Model, **kwargs) -> None:
    """`full_clean()` whose ValidationError becomes a DomainError naming the field (never a 500)."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from None


# Set on instances returned by upserts so bulk loaders can count what happened.
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _changed_fields(instance: models.Model, values: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in values.items():
        field = instance._meta.get_field(name)
        current = getattr(instance, field.attname)
        new = value.pk if isinstance(value, models.Model) else value
        if isinstance(field, models.DecimalField) and new is not None and current is not None:
            if Decimal(str(current)) != Decimal(str(new)):
                changed.append(name)
        elif current != new:
            changed.append(name)
    return changed


def upsert_audited(
    *,
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    actor,
    action_prefix: str,
    instance: models.Model | None = None,
    audit: bool = True,
) -> models.Model:
    """Create or update one tenant row found by `lookup`; audit only real changes.

    Validates with `full_clean()`; writes "<prefix>.create" or "<prefix>.update" with before/after
    snapshots; when nothing differs writes nothing. The returned instance carries
    `upsert_status` (created | updated | unchanged); `audit=False` lets a caller that audits a
    larger change (a deal with its splits) write the one event itself. Must run inside the tenant scope.
    """
    with transaction.atomic():
        if instance is None:
            instance = model.objects.select_for_update().filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **values)
            instance.tenant = current_tenant()
            full_clean_or_raise(instance)
            instance.save()
            if audit:
                audit_record(actor=actor, action=f"{action_prefix}.create", instance=instance, after=snapshot(instance))
            instance.upsert_status = CREATED
            return instance
        changed = _changed_fields(instance, values)
        if not changed:
            instance.upsert_status = UNCHANGED
            return instance
        before = snapshot(instance)
        for name in changed:
            setattr(instance, name, values[name])
        full_clean_or_raise(instance)
        instance.save()
        if audit:
            audit_record(actor=actor, action=f"{action_prefix}.update", instance=instance, before=before,
                         after=snapshot(instance))
        instance.upsert_status = UPDATED
        return instance
