"""Recalculation on change (issue 11): a change to a deal, split, churn event, quota, plan assignment,
adjustment or FX rate recalculates only the affected sellers, their managers up the roll-up, and the
affected open months — in a Celery task started when the change commits.

How a change is noticed: `compensation.signals` records, per saved or deleted row, WHAT changed (ids
and the earliest date concerned) with `change_record`; nothing is computed in the signal. One callback
per committed transaction and tenant sends `compensation.tasks.recalculate_after_change`, whose body is
`calculation_recalculate` below. Bulk writes (COPY loaders) send no signals: they call `change_record`
themselves or request a run.

Why the result equals a full rerun to the cent: a seller's lines depend only on the deals that credit
them (directly, by split, or through the roll-up of someone below them), their quotas, assignments,
adjustments and the FX rates. The recalculation keeps every deal with a recipient among the affected
sellers, runs the same engine over the whole history, and rewrites only the affected sellers' draft
statements from the first affected month through the last calculated month (draw balances and quarter or
year attainment carry forward). Old recipients and months of a changed deal or adjustment come from
the lines stored for it, so moving a deal to another owner or month also clears the old lines.
Approved and paid statements are never rewritten: the difference lands as a correction line in the next
open month (calculation._corrections) exactly as a full run would place it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from compensation.models import CalculationRun, EarningLine, Statement
from spm.fiscal import month_key, month_start, months_between, parse_period_key, shift_month
from spm.tenancy.context import current_tenant
from spm.tenancy.db import tenant_atomic

from .calculation import (
    MAX_RUN_MONTHS,
    _keyed_by_database_id,
    _write_results,
    calculate,
    earliest_locked_month,
    load_engine_input,
)

logger = logging.getLogger(__name__)
_local = threading.local()
FROM_START = "0000-00"  # "from the first calculated month" (e.g. an assignment whose old start is unknown)


def change_record(*, tenant_id: int, sellers: Iterable[int] = (), deals: Iterable[int] = (),
                  adjustments: Iterable[int] = (), month: str | None = None, quota_periods: Iterable[str] = (),
                  all_sellers: bool = False) -> None:
    """Note a change (database ids; `month` = first month concerned) for recalculation after commit.

    Changes of one transaction are merged; the first on_commit callback sends one task for them all,
    later callbacks of the same transaction find nothing left to send. Rolled-back changes stay pending
    and ride along with the next commit (a recalculation too many is harmless: it equals a full rerun).
    """
    pending = _local.__dict__.setdefault("pending", {})
    p = pending.setdefault(tenant_id, {"sellers": set(), "deals": set(), "adjustments": set(), "months": set(),
                                       "quota_periods": set(), "all_sellers": False})
    p["sellers"].update(s for s in sellers if s is not None)
    p["deals"].update(d for d in deals if d is not None)
    p["adjustments"].update(a for a in adjustments if a is not None)
    p["quota_periods"].update(quota_periods)
    if month:
        p["months"].add(month)
    p["all_sellers"] = p["all_sellers"] or all_sellers
    transaction.on_commit(lambda: _dispatch(tenant_id))


def _dispatch(tenant_id: int) -> None:
    p = _local.__dict__.get("pending", {}).pop(tenant_id, None)
    if p is None:
        return
    from compensation.tasks import recalculate_after_change

    recalculate_after_change.delay(
        tenant_id=tenant_id, seller_ids=sorted(p["sellers"]), deal_ids=sorted(p["deals"]),
        adjustment_ids=sorted(p["adjustments"]), months=sorted(p["months"]), quota_periods=sorted(p["quota_periods"]),
        all_sellers=p["all_sellers"],
    )


def _ancestors(managers: dict, seller) -> list:
    out, seen = [], {seller}
    m = managers.get(seller)
    while m is not None and m not in seen:
        out.append(m)
        seen.add(m)
        m = managers.get(m)
    return out


def calculation_recalculate(*, seller_ids: Iterable[int] = (), deal_ids: Iterable[int] = (),
                            adjustment_ids: Iterable[int] = (), months: Iterable[str] = (),
                            quota_periods: Iterable[str] = (), all_sellers: bool = False) -> dict:
    """Recalculate the affected sellers (+ managers) of the tenant in scope from the first affected month.

    Inputs are database ids and month / period keys (as `change_record` collected them). Does nothing
    before the tenant's first successful calculation run. Writes in one transaction (all or nothing).
    Returns {"sellers": n, "statements": n, "lines": n, "from": month, "through": month}.
    """
    tenant = current_tenant()
    deal_ids, adjustment_ids = list(deal_ids), list(adjustment_ids)
    with tenant_atomic():
        bounds = Statement.objects.order_by("period").values_list("period", flat=True)
        first, last = bounds.first(), bounds.last()
        # Before the tenant's first successful run there is nothing to keep up to date (statements made
        # any other way, e.g. imported, are not the engine's to rewrite).
        if first is None or not CalculationRun.objects.filter(status=CalculationRun.Status.SUCCEEDED).exists():
            return {"sellers": 0, "statements": 0, "lines": 0, "from": None, "through": None}
        stored = list(EarningLine.objects.filter(Q(opportunity_id__in=deal_ids) | Q(adjustment_id__in=adjustment_ids))
                      .values_list("seller_id", "period"))
        candidates = [m for m in months if m] + [period for _, period in stored]
        candidates += [month_key(parse_period_key(k, tenant.fiscal_year_start_month)[0]) for k in quota_periods]
        start = min(candidates, default=FROM_START)
        start = max(start, first, month_key(shift_month(month_start(last), -(MAX_RUN_MONTHS - 1))))
        if start > last:
            return {"sellers": 0, "statements": 0, "lines": 0, "from": start, "through": last}
        locked_from = earliest_locked_month()
        inp, lookups = load_engine_input(period_from=min(filter(None, [start, locked_from])), period_through=last)

    seller_ext = {pk: ext for ext, pk in lookups["seller_ids"].items()}
    deal_key = {pk: key for key, pk in lookups["deal_ids"].items()}
    if all_sellers:
        affected_ext = set(seller_ext.values())
    else:
        affected_ext = {seller_ext[s] for s in [*seller_ids, *(s for s, _ in stored)] if s in seller_ext}
        changed_keys = {deal_key[d] for d in deal_ids if d in deal_key}
        for deal in inp.deals:
            if deal.key in changed_keys:
                affected_ext.add(deal.owner)
                affected_ext.update(s for s, _ in deal.splits)
        for s in list(affected_ext):
            affected_ext.update(_ancestors(inp.managers, s))

    def credits_someone_affected(deal) -> bool:
        parties = [s for s, _ in deal.splits] or [deal.owner]
        return any(p in affected_ext or any(m in affected_ext for m in _ancestors(inp.managers, p)) for p in parties)

    narrowed = dataclasses.replace(
        inp, deals=[d for d in inp.deals if credits_someone_affected(d)],
        adjustments=[a for a in inp.adjustments if a.seller in affected_ext])
    result = calculate(narrowed)
    seller_ids_db = lookups["seller_ids"]
    result = _keyed_by_database_id(result, seller_ids_db)
    affected = {seller_ids_db[s] for s in affected_ext}
    with tenant_atomic():
        statements, lines = _write_results(None, result, lookups, months_between(start, last), sellers=affected)
    logger.info("recalculated after a change", extra={"tenant_id": tenant.pk, "sellers": len(affected),
                                                       "from": start, "through": last, "lines": lines})
    return {"sellers": len(affected), "statements": statements, "lines": lines, "from": start, "through": last}
