"""The input change feed: which sellers' months changed since their statements were calculated.

Services that change a calculation input (a deal, its splits, a quota, a plan assignment, an
adjustment, an FX rate, a churn event) call `inputs_changed` in their transaction. Statement pages
and the API compare it with the statement's calculation time to say "inputs changed since this was
calculated"; recalculation on change reads the same feed to know what to redo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils import timezone

from spm.models import InputChange
from spm.tenancy.context import current_tenant

# Called with (tenant_id=, seller_ids=, months=) — None meaning every seller / month — for every recorded
# change, inside its transaction. Pay subscribes its recalculation on change (compensation.apps); the
# kernel knows no pillar, so this is the one way up.
_subscribers: list[Callable[..., None]] = []


def subscribe(listener: Callable[..., None]) -> None:
    """Register `listener(tenant_id=, seller_ids=, months=)`, called by every `inputs_changed` (idempotent)."""
    if listener not in _subscribers:
        _subscribers.append(listener)


def inputs_changed(*, seller_ids: Iterable[int] | None, months: Iterable[str] | None, reason: str) -> int:
    """Record that the inputs of these sellers' months changed now (None = every seller / month).

    One statement for any number of rows (an upsert on (tenant, seller, month)). Returns the
    number of (seller, month) pairs recorded. Must run inside the tenant scope.
    """
    sellers = sorted({int(s) for s in seller_ids if s}) if seller_ids is not None else [InputChange.EVERY_SELLER]
    month_list = sorted({m for m in months if m}) if months is not None else [InputChange.EVERY_MONTH]
    if not sellers or not month_list:
        return 0
    tenant, now = current_tenant(), timezone.now()
    rows = [InputChange(tenant=tenant, seller_id=s, month=m, changed_at=now, reason=reason[:200])
            for s in sellers for m in month_list]
    InputChange.objects.bulk_create(rows, update_conflicts=True, unique_fields=["tenant", "seller_id", "month"],
                                    update_fields=["changed_at", "reason"])
    for listener in _subscribers:
        listener(tenant_id=tenant.pk, seller_ids=None if seller_ids is None else sellers,
                 months=None if months is None else month_list)
    return len(rows)
