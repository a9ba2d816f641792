"""The input change feed: which sellers' months changed since their statements were calculated.

Services that change a calculation input (a deal, its splits, a quota, a plan assignment, an
adjustment, an FX rate, a churn event) call `inputs_changed` in their transaction. Statement pages
and the API compare it with the statement's calculation time to say "inputs changed since this was
calculated"; recalculation on change reads the same feed to know what to redo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import connection
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


def inputs_changed(*, seller_ids: Iterable[int] | None, months: Iterable[str] | None, reason: str,
                   fx: tuple[str, dt.date, dt.date | None] | None = None) -> int:
    """Record that the inputs of these sellers' months changed now (None = every seller / month).

    One statement for any number of rows (an upsert on (tenant, seller, month)). Returns the
    number of (seller, month) pairs recorded. Must run inside the tenant scope. `fx` = (currency,
    from, until exclusive or None) narrows an FX rate change for listeners that know which sellers
    hold deals in that currency (the kernel does not: the feed rows stay every seller / month).
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
                 months=None if months is None else month_list, **({"fx": fx} if fx else {}))
    return len(rows)


def inputs_changed_by_month(*, sellers_by_month: dict[str, Iterable[int]], reason: str) -> int:
    """Record exactly these (seller, month) pairs — `{month: seller ids}` — as changed now, in one statement
    on PostgreSQL (an import touching every rep in 25 months writes ~50,000 pairs set-based, not one
    ORM batch per month). Listeners are called once with the union of sellers and months (what they
    merge per transaction anyway). Returns the number of pairs recorded."""
    pairs = sorted({(int(s), m) for m, ids in sellers_by_month.items() if m for s in ids if s})
    if not pairs:
        return 0
    tenant, now, reason = current_tenant(), timezone.now(), reason[:200]
    if connection.vendor == "postgresql":
        table = InputChange._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (tenant_id, seller_id, month, changed_at, reason) "
                "SELECT %s, u.s, u.m, %s, %s FROM unnest(%s::bigint[], %s::text[]) AS u(s, m) "
                "ON CONFLICT (tenant_id, seller_id, month) DO UPDATE SET changed_at = EXCLUDED.changed_at, "
                "reason = EXCLUDED.reason",
                [tenant.pk, now, reason, [s for s, _ in pairs], [m for _, m in pairs]],
            )
    else:
        InputChange.objects.bulk_create(
            [InputChange(tenant=tenant, seller_id=s, month=m, changed_at=now, reason=reason) for s, m in pairs],
            update_conflicts=True, unique_fields=["tenant", "seller_id", "month"], update_fields=["changed_at", "reason"])
    for listener in _subscribers:
        listener(tenant_id=tenant.pk, seller_ids=sorted({s for s, _ in pairs}), months=sorted({m for _, m in pairs}))
    return len(pairs)
