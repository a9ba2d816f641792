"""Recalculation on change (issue 11): a change to a deal, split, churn event, quota, plan assignment,
adjustment or FX rate recalculates only the affected sellers, their managers up the roll-up, and the
affected open months — in a Celery task started when the change commits.

How a change is noticed: every service that changes a calculation input records the sellers' months
it touches in the kernel's change feed (`spm.changes.inputs_changed`: the seller, the old and new owner
or split sellers of a deal, their managers; the old and new months). The feed calls `change_record`
(subscribed in `compensation.apps`) inside the same transaction; nothing is computed there. One callback
per committed transaction and tenant sends `compensation.tasks.recalculate_after_change`, whose body is
`calculation_recalculate` below.

Why the result equals a full rerun to the cent: a seller's lines depend only on the deals that credit
them (directly, by split, or through the roll-up of someone below them), their quotas, assignments,
adjustments and the FX rates. The recalculation keeps every deal with a recipient among the affected
sellers, from the first close date that can still change a rewritten month (`calculation.history_start`:
the fiscal year of the first month, reaching back only for a deal a later churn event can claw back; every
deal when a plan has a draw),
runs the same engine over it, and rewrites only the affected sellers' draft
statements from the first affected month through the last calculated month (draw balances and quarter or
year attainment carry forward). The feed names old and new sellers and months, so moving a deal to
another owner or month also clears the old lines.
Approved and paid statements are never rewritten: the difference lands as a correction line in the next
open month (calculation._corrections) exactly as a full run would place it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from compensation.engine.calculate import ancestors
from compensation.models import CalculationRun, CompPlan, Statement
from performance.selectors import credited_parties_in_currency
from spm.fiscal import month_key, month_start, months_between, shift_month
from spm.tenancy.context import current_tenant
from spm.tenancy.db import tenant_atomic

from .calculation import (
    MAX_RUN_MONTHS,
    _keyed_by_database_id,
    _write_results,
    calculate,
    earliest_locked_month,
    load_engine_input,
    tenant_calculation_lock,
)

logger = logging.getLogger(__name__)
_local = threading.local()
FROM_START = "0000-00"  # "from the first calculated month" (e.g. an assignment whose old start is unknown)


def change_record(*, tenant_id: int, seller_ids: Iterable[int] | None, months: Iterable[str] | None,
                  fx: tuple[str, dt.date, dt.date | None] | None = None) -> None:
    """Note a change of these sellers' months (None = every seller / month) for recalculation after commit.

    Changes of one transaction are merged; the first on_commit callback sends one task for them all,
    later callbacks of the same transaction find nothing left to send. Rolled-back changes stay pending
    and ride along with the next commit (a recalculation too many is harmless: it equals a full rerun).
    An FX rate change (`fx` = currency, from, until) is resolved by the task to the sellers credited with
    deals in that currency closed in that span (`_fx_holders`), from the rate's first month.
    """
    pending = _local.__dict__.setdefault("pending", {})
    p = pending.setdefault(tenant_id, {"sellers": set(), "months": set(), "all_sellers": False, "every_month": False,
                                       "fx": set()})
    if fx is not None and seller_ids is None and months is None:
        currency, since, until = fx
        p["fx"].add((currency, since.isoformat(), until.isoformat() if until else None))
        seller_ids, months = (), [month_key(since)]
    if seller_ids is None:
        p["all_sellers"] = True
    else:
        p["sellers"].update(int(s) for s in seller_ids if s)
    if months is None:
        p["every_month"] = True
    else:
        p["months"].update(m for m in months if m)
    transaction.on_commit(lambda: _dispatch(tenant_id))


def _dispatch(tenant_id: int) -> None:
    p = _local.__dict__.get("pending", {}).pop(tenant_id, None)
    if p is None:
        return
    from compensation.tasks import recalculate_after_change

    recalculate_after_change.delay(
        tenant_id=tenant_id, seller_ids=sorted(p["sellers"]), months=None if p["every_month"] else sorted(p["months"]),
        all_sellers=p["all_sellers"], **({"fx": sorted(p["fx"], key=str)} if p["fx"] else {}),
    )


def _fx_holders(fx: Iterable) -> set[int] | None:
    """Database ids of the sellers credited (owner or split) with a won deal in each changed currency closed
    from the rate's date until the currency's next rate; None (every seller) when a plan is in that currency
    (its every amount converts at it)."""
    sellers: set[int] = set()
    for currency, since, until in fx:
        if CompPlan.objects.filter(currency__iexact=currency).exists():
            return None
        sellers |= credited_parties_in_currency(currency, dt.date.fromisoformat(since),
                                                dt.date.fromisoformat(until) if until else None)
    return sellers


def calculation_recalculate(*, seller_ids: Iterable[int] = (), months: Iterable[str] | None = None,
                            all_sellers: bool = False, fx: Iterable = ()) -> dict:
    """Recalculate the affected sellers (+ managers) of the tenant in scope from the first affected month.

    `seller_ids` are database ids; `months` the changed months (None = from the first calculated month).
    Does nothing before the tenant's first successful calculation run. Writes in one transaction (all or
    nothing). Returns {"sellers": n, "statements": n, "lines": n, "from": month, "through": month}.
    """
    tenant = current_tenant()
    with tenant_atomic():
        bounds = Statement.objects.order_by("period").values_list("period", flat=True)
        first, last = bounds.first(), bounds.last()
        # Before the tenant's first successful run there is nothing to keep up to date (statements made
        # any other way, e.g. imported, are not the engine's to rewrite).
        if first is None or not CalculationRun.objects.filter(status=CalculationRun.Status.SUCCEEDED).exists():
            return {"sellers": 0, "statements": 0, "lines": 0, "from": None, "through": None}
        if fx and not all_sellers:
            holders = _fx_holders(fx)
            all_sellers = holders is None
            seller_ids = {*seller_ids, *(holders or ())}
        start = FROM_START if months is None else min(months, default=None)
        if start is None:
            return {"sellers": 0, "statements": 0, "lines": 0, "from": None, "through": None}
        start = max(start, first, month_key(shift_month(month_start(last), -(MAX_RUN_MONTHS - 1))))
        if start > last:
            return {"sellers": 0, "statements": 0, "lines": 0, "from": start, "through": last}
        # A run row of its own: the statements point at it, so their staleness (spm.changes) clears, and
        # the runs page lists what the change recalculated.
        run = CalculationRun.objects.create(
            tenant=tenant, period_from=start, period_through=last, status=CalculationRun.Status.RUNNING,
            started_at=timezone.now(), message="Recalculating after a change")
    try:
        with tenant_calculation_lock():  # inputs read after any other run or recalculation wrote (no lost update)
            with tenant_atomic():
                locked_from = earliest_locked_month()
                # only the deals that can change a line it rewrites (or a locked month it compares)
                inp, lookups = load_engine_input(period_from=min(filter(None, [start, locked_from])),
                                                 period_through=last, trim_history=True)
            summary = _recalculate(inp, lookups, run, seller_ids, all_sellers, start, last)
    except Exception as exc:
        with tenant_atomic():
            CalculationRun.objects.filter(pk=run.pk).update(
                status=CalculationRun.Status.FAILED, message=f"Recalculation failed: {exc}"[:300],
                finished_at=timezone.now())
        raise
    with tenant_atomic():
        CalculationRun.objects.filter(pk=run.pk).update(
            status=CalculationRun.Status.SUCCEEDED, progress=100, statement_count=summary["statements"],
            line_count=summary["lines"], finished_at=timezone.now(),
            message=f"Recalculated after a change: {summary['sellers']} sellers, {summary['statements']} statements")
    logger.info("recalculated after a change", extra={"tenant_id": tenant.pk, **summary})
    return summary


def _recalculate(inp, lookups, run, seller_ids, all_sellers: bool, start: str, last: str) -> dict:

    seller_ext = {pk: ext for ext, pk in lookups["seller_ids"].items()}
    if all_sellers:
        affected_ext = set(seller_ext.values())
    else:
        affected_ext = {seller_ext[s] for s in seller_ids if s in seller_ext}
        for s in list(affected_ext):
            affected_ext.update(ancestors(inp.managers, s))

    reaches: dict = {}  # party -> whether the party or a manager above them is affected (one walk per party)

    def party_reaches(p) -> bool:
        hit = reaches.get(p)
        if hit is None:
            hit = reaches[p] = p in affected_ext or any(m in affected_ext for m in ancestors(inp.managers, p))
        return hit

    def credits_someone_affected(deal) -> bool:
        return any(map(party_reaches, [s for s, _ in deal.splits] or [deal.owner]))

    narrowed = dataclasses.replace(
        inp, deals=[d for d in inp.deals if credits_someone_affected(d)],
        adjustments=[a for a in inp.adjustments if a.seller in affected_ext], only_sellers=frozenset(affected_ext))
    result = calculate(narrowed)
    seller_ids_db = lookups["seller_ids"]
    result = _keyed_by_database_id(result, seller_ids_db)
    affected = {seller_ids_db[s] for s in affected_ext}
    with tenant_atomic():
        statements, lines = _write_results(run, result, lookups, months_between(start, last), sellers=affected,
                                           keep_preparer=True)
    return {"sellers": len(affected), "statements": statements, "lines": lines, "from": start, "through": last}
