"""Calculation runs: request (one at a time per tenant and period), execute (the task body).

The maths lives in compensation.engine (pure). This module loads every input of the tenant in a
handful of `values_list` queries, calls the engine once, and replaces the range's draft results in
one transaction. Progress is committed in short separate transactions so a polling browser sees it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from compensation.disputes.models import Dispute
from compensation.engine import (
    AdjustmentInput,
    Assignment,
    ChurnEvent,
    EngineError,
    EngineInput,
    EngineResult,
    Line,
    PlanValidationError,
    months_between,
    parse_plan_document,
)
from compensation.engine import (
    FxRate as EngineFxRate,
)
from compensation.engine.formatting import fmt_money, plain
from compensation.engine.table import LineTable, calculate_table
from compensation.models import Adjustment, CalculationRun, CompPlan, EarningLine, PlanAssignment, Statement
from compensation.services import line_text, partitions, write_order
from performance import selectors as performance_selectors
from planning import selectors as planning_selectors
from spm.background import require_queue
from spm.db.bulk import CopyText, bulk_insert, bulk_update, copy_line_ends
from spm.errors import ConflictError, DomainError
from spm.fiscal import month_end, month_key, month_start, parse_period_key, quota_period_key
from spm.models import FxRate, InputChange, Tenant
from spm.services import closed_periods, validate_month_key
from spm.tenancy.context import current_tenant
from spm.tenancy.db import tenant_atomic
from spm.upsert import full_clean_or_raise

logger = logging.getLogger(__name__)
# The engine runs use: the set-based one. It gives the reference engine's lines to the cent
# (tests/compensation/engine/test_engine_frames.py, and every engine test run against both).
# Quota-based commission lines carry their structured facts instead of text: the text is rendered on
# read (compensation.explanations.render_explanation), which took rendering off the run's hot path.
# It returns the lines as a LineTable (columns, no object per commission line); the writer COPYs from it.
def calculate(inp: EngineInput) -> LineTable:
    return calculate_table(inp)


CENT = Decimal("0.01")
ATTAINMENT_PLACES = Decimal("1e-10")  # stored attainment fractions (0.6, 1.1666666667)
ACTIVE = (CalculationRun.Status.QUEUED, CalculationRun.Status.RUNNING)
LOCKED = (Statement.Status.APPROVED, Statement.Status.PAID)
# A run queued or running for longer than this was orphaned (its worker died or the broker lost the
# message); a full year at benchmark scale takes well under a minute, so this is generous.
STALE_AFTER = dt.timedelta(minutes=30)
# A run covers at most this many months, and never a month beyond the end of the next fiscal year (plans
# are written a year ahead). Without the bound one request could start a run to 5189-12.
MAX_RUN_MONTHS = 24
# Namespace of the PostgreSQL advisory lock that the worker executing a run holds (key 2 = run id).
RUN_LOCK_NAMESPACE = 0x5E11
# Namespace of the advisory lock a run or a recalculation holds from reading its inputs to writing its lines
# (key 2 = tenant id): see tenant_calculation_lock.
TENANT_LOCK_NAMESPACE = 0x5E12


def last_calculable_month(*, fy_start_month: int, today: dt.date | None = None) -> str:
    """The last month a run may cover: the final month of the fiscal year after today's."""
    today = today or timezone.localdate()
    next_fy = int(quota_period_key(today, "year", fy_start_month)) + 1
    _, end, _ = parse_period_key(f"{next_fy:04d}", fy_start_month)
    return month_key(end)


def validate_run_range(*, period_from: str, period_through: str, fy_start_month: int,
                       today: dt.date | None = None) -> None:
    """Refuse a range that is malformed, reversed, longer than 24 months or beyond the next fiscal year.

    Raises DomainError naming the field (`period_from` / `period_through`); the API answers 400.
    """
    for field, key in (("period_from", period_from), ("period_through", period_through)):
        try:
            validate_month_key(key, field)
        except DomainError as exc:
            raise DomainError(exc.message, field=field, code="invalid_period") from None
    if period_from > period_through:
        raise DomainError(f"period_from {period_from} is after period_through {period_through}",
                          field="period_through", code="invalid_period")
    last = last_calculable_month(fy_start_month=fy_start_month, today=today)
    for field, key in (("period_from", period_from), ("period_through", period_through)):
        if key > last:
            raise DomainError(
                f"{field} {key} is beyond {last}, the end of the next fiscal year: a run may not calculate "
                "months that far ahead", field=field, code="period_out_of_range")
    n = len(months_between(period_from, period_through))
    if n > MAX_RUN_MONTHS:
        raise DomainError(
            f"{period_from}–{period_through} is {n} months; a run covers at most {MAX_RUN_MONTHS} months",
            field="period_through", code="period_out_of_range")


def calculation_release_stale() -> int:
    """Mark orphaned runs failed so they stop blocking the tenant; returns how many."""
    cutoff = timezone.now() - STALE_AFTER
    stale = CalculationRun.objects.filter(status__in=ACTIVE, created_at__lt=cutoff).filter(
        Q(started_at__isnull=True) | Q(started_at__lt=cutoff)
    )
    return stale.update(
        status=CalculationRun.Status.FAILED, finished_at=timezone.now(),
        message="Abandoned: no worker finished this run within 30 minutes; start it again.",
    )


def calculation_resend_queued(*, older_than: dt.timedelta) -> list[int]:
    """Send again the runs of the tenant in scope still `queued` after `older_than` (their message was lost).

    No worker has claimed them (a claim is the first thing a worker does), so sending the task again
    is safe: its claim (queued → running, a conditional update) lets exactly one delivery run it.
    The sweeper (compensation.tasks.resend_lost_runs) calls this only when the broker's queue is empty.
    """
    from compensation.tasks import calculation_run

    tenant = current_tenant()
    ids = list(CalculationRun.objects.filter(status=CalculationRun.Status.QUEUED,
                                             created_at__lt=timezone.now() - older_than).values_list("pk", flat=True))
    if ids:
        CalculationRun.objects.filter(pk__in=ids).update(message="Queued (sent again: the queue had lost it)")
        for run_id in ids:
            transaction.on_commit(lambda run_id=run_id: calculation_run.delay(tenant_id=tenant.pk, run_id=run_id))
        logger.warning("calculation runs re-sent to the queue", extra={"tenant_id": tenant.pk, "run_ids": ids})
    return ids


def calculation_request(*, period_from: str, period_through: str | None = None, requested_by=None) -> CalculationRun:
    """Queue a calculation of months `period_from`..`period_through` (default: one month).

    Errors: DomainError (with `field`) on bad month keys, from > through, more than 24 months or a month
    beyond the end of the next fiscal year; ConflictError when a queued or running
    run of the tenant overlaps the range. Race-safe: the tenant row is locked (SELECT … FOR
    UPDATE) while checking and creating, so two concurrent requests serialise. Starts
    compensation.tasks.calculation_run on commit (eagerly without a broker). ServiceUnavailableError,
    with nothing written, when a broker is configured but unreachable.
    """
    from compensation.tasks import calculation_run  # tasks import services; import late to avoid a cycle

    period_through = period_through or period_from
    tenant = current_tenant()
    validate_run_range(period_from=period_from, period_through=period_through,
                       fy_start_month=tenant.fiscal_year_start_month)
    require_queue()  # Redis down: refuse now (ServiceUnavailableError), before a run row exists
    with tenant_atomic(tenant):
        Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
        calculation_release_stale()
        clash = CalculationRun.objects.filter(
            status__in=ACTIVE, period_from__lte=period_through, period_through__gte=period_from
        ).first()
        if clash is not None:
            raise ConflictError(
                f"Run {clash.pk} ({clash.period_from}–{clash.period_through}) is {clash.status}; "
                "wait for it to finish before calculating an overlapping range."
            )
        run = CalculationRun(
            period_from=period_from, period_through=period_through, requested_by=requested_by,
            message="Queued", tenant=tenant,
        )
        full_clean_or_raise(run)
        run.save()
        transaction.on_commit(lambda: calculation_run.delay(tenant_id=tenant.pk, run_id=run.pk))
    return run


def calculation_after_adjustment(*, period: str, requested_by=None) -> CalculationRun | None:
    """Bring month `period` up to date after adjustments were posted in it (a hold, a release, an
    accepted dispute): returns the run queued, or None.

    adjustment_create records the change, and the change feed recalculates exactly that seller (and
    their managers) after commit, keeping each statement's preparer. A run of the whole month would
    also rewrite every other seller's statement: back to draft (unpublished, out of the approval
    queue) and "prepared" by the user who placed the hold, who could then approve none of them. So a
    run is queued only for a month with no statement yet, which the change feed does not create.
    """
    if Statement.objects.filter(period=period).exists():
        return None
    return calculation_request(period_from=period, requested_by=requested_by)


def _progress(run_id: int, progress: int, message: str, **fields) -> None:
    # Its own short transaction: committed at once, visible to whoever polls the run.
    with tenant_atomic():
        CalculationRun.objects.filter(pk=run_id).update(progress=progress, message=message[:300], **fields)


def history_start(plans: dict, *, fy_start_month: int, period_from: str,
                  churned: list[tuple[dt.date | None, dt.date]] = ()) -> dt.date | None:
    """The first close date whose deals can change a line in `period_from` or later (None: every deal can).

    A commission line's credit, attainment, payout and cap depend only on the deals of its quota period
    (a month, quarter or fiscal year), and the statement attainment likewise; so deals closing before the
    start of the fiscal year that contains `period_from` change no line from `period_from` on — except
    through a clawback: a churn event from `period_from` on undoes a deal closed at most `window_days` before
    it, and that deal's lines depend on its own quota period. `churned` holds (deal close date, event date)
    of the churn events; only when one of them is such a deal does the history reach back, to the start of
    that deal's fiscal year. A draw carries its balance across every month since the assignment began, so
    with any plan that has a draw every deal counts.
    """
    if any(p.draw is not None for p in plans.values()):
        return None
    window = max((p.clawback.window_days for p in plans.values() if p.clawback is not None), default=0)
    first = month_start(period_from)
    reach = first - dt.timedelta(days=window)
    earliest = min([first, *(close for close, when in churned
                             if close is not None and when >= first and reach <= close < first)])
    fy_start, _, _ = parse_period_key(quota_period_key(earliest, "year", fy_start_month), fy_start_month)
    return fy_start


def load_engine_input(*, period_from: str, period_through: str,
                      trim_history: bool = False, with_deals: bool = True) -> tuple[EngineInput, dict]:
    """Every input of the tenant in scope, as an EngineInput, plus lookups for writing results.

    `with_deals=False`: no deals (and no deal ids), for a run that reads each partition's deals when it runs
    (compensation.services.partitions).

    `trim_history`: only the deals that can change a line from `period_from` on (`history_start`), for a
    recalculation that rewrites those months only; the lines of earlier months it computes are not valid.

    It only assembles: Plan and Perform hand over plain rows through their read contracts
    (`planning.selectors.seller_rows/quota_rows`, `performance.selectors.credited_deal_rows/
    credited_split_rows/churn_rows`); this module never reads their models.

    A fixed number of queries whatever the data size (no per-row queries).
    """
    tenant = current_tenant()
    # The engine keys sellers by EXTERNAL id: explanations name people as the customer knows them,
    # and tie-breaks inside the engine cannot depend on database ids (i.e. on loading order).
    sellers = planning_selectors.seller_rows()
    ext = {pk: external_id for pk, _, external_id in sellers}
    plans = {}
    plan_currency = {}
    plan_names = {}
    for pk, document, currency, name in CompPlan.objects.order_by("id").values_list("id", "document", "currency", "name"):
        plans[str(pk)] = parse_plan_document(document)
        plan_currency[str(pk)] = currency
        plan_names[str(pk)] = name
    assignment_rows = list(
        PlanAssignment.objects.order_by("id").values_list("seller_id", "plan_id", "start_date", "end_date", "target_incentive")
    )
    assignments = [
        Assignment(seller=ext[s], plan=str(p), start=start, end=end, target_incentive=ti)
        for s, p, start, end, ti in assignment_rows
    ]
    quotas = {
        (ext[s], measure, period): amount
        for s, measure, period, amount in planning_selectors.quota_rows()
    }
    closed_from = (history_start(plans, fy_start_month=tenant.fiscal_year_start_month, period_from=period_from,
                                 churned=performance_selectors.churn_close_dates()) if trim_history else None)
    deals, deal_ids = (partitions.deals_from_rows(performance_selectors.credited_deal_rows(closed_from),
                                                  performance_selectors.credited_split_rows(closed_from), ext)
                       if with_deals else ([], {}))
    events = [ChurnEvent(deal=deal, date=date) for deal, date in performance_selectors.churn_rows()]
    adjustments = [
        AdjustmentInput(seller=ext[s], period=period, amount=amount, reason=reason, ref=pk)
        for pk, s, period, amount, reason in Adjustment.objects.order_by("id").values_list(
            "id", "seller_id", "period", "amount", "reason"
        )
    ]
    fx = [
        EngineFxRate(currency=c, rate_to_base=r, effective_from=d)
        for c, r, d in FxRate.objects.order_by("currency", "effective_from").values_list("currency", "rate_to_base", "effective_from")
    ]
    inp = EngineInput(
        fy_start_month=tenant.fiscal_year_start_month, base_currency=tenant.base_currency,
        managers={ext[s]: (ext[m] if m else None) for s, m, _ in sellers}, plans=plans, assignments=assignments, quotas=quotas, deals=deals,
        fx_rates=fx, events=events, adjustments=adjustments, period_from=period_from, period_through=period_through,
    )
    lookups = {
        "deal_ids": deal_ids, "plan_currency": plan_currency, "plan_names": plan_names,
        "seller_ids": {external_id: pk for pk, external_id in ext.items()},
        # database ids, for deciding who gets a statement in which month
        "assignments": [Assignment(seller=s, plan=str(p), start=st, end=en, target_incentive=ti)
                        for s, p, st, en, ti in assignment_rows],
    }
    return inp, lookups


# Sellers per engine call. A seller's lines depend only on the credits they receive (EngineInput.only_sellers),
# so a run over more sellers than this (or more estimated credits than partitions.PARTITION_CREDITS) calculates
# and writes them partition by partition, each partition with only the deals that can credit its sellers (as
# owner, split or through the roll-up), read when it runs (compensation.services.partitions): one partition's
# deals, credits and lines are in memory at a time. The lines are the same
# (tests/compensation/test_calculation_recalc.py).
PARTITION_SELLERS = 2000
# Lines made into rows (their facts and numeric text) and written at a time: the write holds one slice's text,
# not a partition's (~700 bytes of facts a line).
WRITE_SLICE = 50_000
# Commission lines joined into one COPY write (~1 KB of text a line).
COPY_CHUNK_LINES = 5_000


_DEALS_MARK = "\x00deals\x00"


def input_fingerprint(inp: EngineInput, deal_reprs: Iterable[str] | None = None) -> str:
    """sha256 of the canonical inputs: equal fingerprints ⇒ the engine returns equal lines.

    `deal_reprs` (default: those of inp.deals) may be a stream of each deal's repr: a partitioned run hashes every
    deal without holding them all (`partitions.every_deal_repr`). The hash is that of the canonical JSON text
    either way."""
    from compensation.engine import plan_document_to_dict

    canonical = {
        "fy": inp.fy_start_month, "base": inp.base_currency, "from": inp.period_from, "through": inp.period_through,
        "managers": sorted((str(k), str(v)) for k, v in inp.managers.items()),
        "plans": {k: plan_document_to_dict(v) for k, v in sorted(inp.plans.items())},
        "assignments": sorted(map(repr, inp.assignments)),
        "quotas": sorted((str(k), plain(v)) for k, v in inp.quotas.items()),
        "deals": _DEALS_MARK,
        "fx": sorted(map(repr, inp.fx_rates)),
        "events": sorted(map(repr, inp.events)),
        "adjustments": sorted(map(repr, inp.adjustments)),
    }
    head, tail = json.dumps(canonical, sort_keys=True, default=str).split(json.dumps(_DEALS_MARK))
    digest = hashlib.sha256(head.encode())
    digest.update(b"[")  # the list as json.dumps writes it: '["…", "…"]'
    for k, text in enumerate(map(repr, inp.deals) if deal_reprs is None else deal_reprs):
        digest.update(f"{', ' if k else ''}{json.dumps(text)}".encode())
    digest.update(f"]{tail}".encode())
    return digest.hexdigest()


def _keyed_by_database_id(result: LineTable | EngineResult, seller_ids: dict[str, int]) -> LineTable:
    """Translate the engine's seller keys (external ids) back to database ids for storage."""
    if isinstance(result, EngineResult):  # lines as objects (e.g. a run that stores the text)
        result = LineTable.of_lines(result)
    return result.rekeyed(seller_ids)


LINE_FIELDS = ("statement_id", "run_id", "seller_id", "period", "position", "plan_name", "component", "kind",
               "opportunity_id", "deal_external_id", "credit_kind", "credit", "quota", "quota_period",
               "attainment_before", "attainment_after", "rate", "amount", "explanation", "explain", "adjustment_id")
CORRECTION = "Correction"  # component of the line that carries a change to an approved/paid month


def _frozen(closed: set[str], prefix: str = "") -> Q:
    """Statements no run rewrites: approved or paid ones, and every one of a closed month."""
    return Q(**{f"{prefix}status__in": LOCKED}) | Q(**{f"{prefix}period__in": sorted(closed)})


def earliest_locked_month() -> str | None:
    """The first month with an approved, paid or closed statement: the engine must cover it to compare."""
    return (Statement.objects.filter(_frozen(closed_periods())).order_by("period")
            .values_list("period", flat=True).first())


def _corrections(engine_total: dict[tuple[int, str], Decimal], closed: set[str],
                 sellers: set[int] | None) -> dict[tuple[int, str], Line]:
    """Approved and paid statements (and those of closed months) never change; what a recalculation would change
    in them becomes ONE correction line per seller, in the first open month after the seller's last locked month.

    outstanding = Σ recalculated totals of the locked months − Σ their approved totals (which include any
    correction already carried into a locked month), so the rule is the same for a full run and an
    incremental one, and a correction is never paid twice.
    """
    engine_total = defaultdict(Decimal, engine_total)
    locked = Statement.objects.filter(_frozen(closed))  # a closed month's draft takes no new line either
    if sellers is not None:
        locked = locked.filter(seller_id__in=sellers)
    carried = defaultdict(Decimal)
    for seller, period, amount in EarningLine.objects.filter(_frozen(closed, "statement__"), component=CORRECTION,
                                                             kind=EarningLine.Kind.ADJUSTMENT).values_list(
            "seller_id", "period", "amount"):
        carried[(seller, period)] += amount
    by_seller: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    calculated_at: dict[tuple[int, str], dt.datetime | None] = {}
    for seller, period, total, started in locked.order_by("seller_id", "period").values_list(
            "seller_id", "period", "total", "run__started_at"):
        by_seller[seller].append((period, total))
        calculated_at[(seller, period)] = started
    owed = {seller for seller, rows in by_seller.items()
            if sum((engine_total[(seller, m)] - total for m, total in rows), Decimal("0.00")) != 0}
    why = _changes_since_locked(owed, calculated_at)
    out = {}
    for seller, rows in by_seller.items():
        outstanding = sum((engine_total[(seller, m)] - total for m, total in rows), Decimal("0.00"))
        if outstanding == 0:
            continue
        target = _next_open_month(rows[-1][0], closed)
        notes = [f"{m} recalculated {fmt_money(engine_total[(seller, m)])} vs {fmt_money(total - carried[(seller, m)])} "
                 f"approved ({'+' if engine_total[(seller, m)] - total + carried[(seller, m)] >= 0 else ''}"
                 f"{fmt_money(engine_total[(seller, m)] - total + carried[(seller, m)])})"
                 for m, total in rows if engine_total[(seller, m)] != total - carried[(seller, m)]]
        already = sum((carried[(seller, m)] for m, _ in rows), Decimal("0.00"))
        text = ("Correction of approved/paid statements after a change to their inputs"
                + (f" ({why[seller]})" if why.get(seller) else "") + ": " + "; ".join(notes)
                + (f"; less {fmt_money(already)} already corrected" if already else "")
                + f" → {fmt_money(outstanding)}")
        out[(seller, target)] = Line(
            seller=seller, period=target, plan=None, component=CORRECTION, kind="adjustment", deal=None,
            credit_kind=None, credit=None, quota=None, quota_period=None, attainment_before=None,
            attainment_after=None, rate=None, amount=outstanding, explanation=text)
    return out


def _changes_since_locked(sellers: set[int], calculated_at: dict, limit: int = 3) -> dict[int, str]:
    """Why a seller's locked months would change: the change feed's reasons (spm.changes: "deal D-7 changed",
    "quota bookings 2027-Q1 set to …") for those months, recorded after each statement was calculated, with
    the month they belong to — the same text in an incremental and a full run (it reads stored rows only)."""
    if not sellers:
        return {}
    found: dict[int, set[tuple[str, str]]] = defaultdict(set)
    months = {m for (s, m) in calculated_at if s in sellers}
    rows = InputChange.objects.filter(Q(seller_id__in=sellers) | Q(seller_id=InputChange.EVERY_SELLER),
                                      Q(month__in=months) | Q(month=InputChange.EVERY_MONTH))
    for seller, month, at, reason in rows.values_list("seller_id", "month", "changed_at", "reason"):
        for s in (sellers if seller == InputChange.EVERY_SELLER else (seller,)):
            # a change of every month (an FX rate, an assignment) names its own date; a month's, its month
            stamps = ([v for (x, _), v in calculated_at.items() if x == s] if month == InputChange.EVERY_MONTH
                      else [calculated_at.get((s, month), False)])
            if any(started is not False and (started is None or at > started) for started in stamps):
                found[s].add((month, reason))
    out = {}
    for s, pairs in found.items():
        notes = [f"{m}: {reason}" if m else reason for m, reason in sorted(pairs)]
        out[s] = "; ".join(notes[:limit]) + (f"; {len(notes) - limit} more" if len(notes) > limit else "")
    return out


def _next_open_month(month: str, closed: set[str]) -> str:
    y, m = map(int, month.split("-"))
    while True:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        key = f"{y:04d}-{m:02d}"
        if key not in closed:
            return key


class _NewStatement:
    """A statement `_write_results` creates: the values its COPY writes, then its new id — not a model instance
    (a year at full size creates ~98,000 statements; a `Statement` each cost more than writing it)."""

    __slots__ = ("seller_id", "period", "currency", "total", "attainment", "status", "run_id", "prepared_by_id",
                 "published_at", "pk")

    def __init__(self, seller_id: int, period: str):
        self.seller_id, self.period = seller_id, period
        self.run_id = self.prepared_by_id = self.published_at = self.pk = None


def _write_results(run: CalculationRun | None, result, lookups: dict, months: list[str],
                   sellers: set[int] | None = None, keep_preparer: bool = False) -> tuple[int, int]:
    """Replace the range's draft results in ONE transaction; returns (statements, lines) written.

    `sellers` (database ids) limits the rewrite to those sellers (an incremental recalculation, which
    also keeps each statement's preparer: nobody prepared it anew). Approved/paid statements and closed periods are skipped entirely: never rewritten;
    what would change in them lands as a correction line in the next open month (`_corrections`).
    """
    tenant = current_tenant()
    closed = set(closed_periods())
    open_months = [m for m in months if m not in closed]
    statements = Statement.objects.select_for_update().filter(period__in=open_months)
    attainment_of = result.attainment
    if sellers is not None:
        statements = statements.filter(seller_id__in=sellers)
        attainment_of = {k: v for k, v in attainment_of.items() if k[0] in sellers}
    lines = write_order.LineKeys(result, sellers)  # the lines in output order, numbered by (seller, period)
    engine_total = lines.totals  # cents per (seller, period)
    existing = {(st.seller_id, st.period): st for st in statements}
    locked = {key for key, st in existing.items() if st.is_locked}
    corrections = _corrections({k: Decimal(v).scaleb(-2) for k, v in engine_total.items()}, closed, sellers)

    # Who needs a statement: everyone with an assignment in the month, plus anyone with a line.
    wanted: dict[tuple[int, str], list] = {}  # (seller, month) -> its correction lines
    plan_of: dict[tuple[int, str], str] = {}
    for month in open_months:
        start = month_start(month)
        end = month_end(start.year, start.month)
        for a in lookups["assignments"]:
            if sellers is not None and a.seller not in sellers:
                continue
            if a.start <= end and (a.end is None or a.end >= start):
                wanted.setdefault((a.seller, month), [])
                plan_of.setdefault((a.seller, month), a.plan)
    open_set = set(open_months)
    n, c_plan = result.n, result.c_plan
    is_open = np.fromiter((key[1] in open_set for key in lines.keys), dtype=bool, count=len(lines.keys))
    line_open = is_open[lines.key]
    for k in lines.in_first_order(line_open):  # keys in order of their first line, as the lines come
        wanted.setdefault(lines.keys[k], [])
    for k, i in lines.first_lines(line_open & lines.has_plan).items():
        plan_of.setdefault(lines.keys[k], c_plan[i] if i < n else result.objs[i - n].plan)
    extra_cents: dict[tuple[int, str], int] = defaultdict(int)
    for key, line in sorted(corrections.items()):
        if key[1] in open_set:
            wanted.setdefault(key, []).append(line)
            extra_cents[key] += int(Decimal(line.amount).quantize(CENT).scaleb(2))
    for key in locked:
        wanted.pop(key, None)

    rewritable = [st.pk for key, st in existing.items() if key not in locked]
    # One DELETE, not Django's collector (which loads every line to SET_NULL a dispute's link): the one
    # relation to lines is Dispute.line (SET_NULL), cleared first with one UPDATE.
    Dispute.objects.filter(line__statement_id__in=rewritable).update(line=None)
    doomed = EarningLine.objects.filter(statement_id__in=rewritable)
    doomed._raw_delete(doomed.db)
    stale = [st.pk for key, st in existing.items() if key not in locked and key not in wanted]
    Statement.objects.filter(pk__in=stale).delete()

    to_create, to_update = [], []
    for seller, month in sorted(wanted):
        plan_key = plan_of.get((seller, month))
        currency = lookups["plan_currency"].get(plan_key, tenant.base_currency)
        total = Decimal(engine_total.get((seller, month), 0) + extra_cents.get((seller, month), 0)).scaleb(-2)
        attainment = {
            c: plain(Decimal(v).quantize(ATTAINMENT_PLACES))
            for c, v in sorted(attainment_of.get((seller, month), {}).items())
        }
        st = existing.get((seller, month))
        # A recalculation after a change rewrites the chain's statements; one that comes out with the same
        # total and attainment stays published (its rep keeps it), any other goes back to draft for review.
        # A run someone requested puts every statement of its range back to draft.
        stays_published = (keep_preparer and st is not None and st.status == Statement.Status.PUBLISHED
                           and st.total == total and st.attainment == attainment)
        if st is None:
            st = _NewStatement(seller, month)
            to_create.append(st)
        else:
            to_update.append(st)
        st.currency, st.total, st.attainment = currency, total, attainment
        if not stays_published:
            st.status, st.published_at = Statement.Status.DRAFT, None
        if run is not None:
            st.run_id = run.pk
        if not keep_preparer:
            st.prepared_by_id = run.requested_by_id if run is not None else None
    # COPY (spm.db.bulk), not bulk_create: a model instance and a prepared JSON value per new statement cost more
    # than inserting it (~5 s of a 2,000-seller year); the new ids are read back in one query.
    bulk_insert(Statement, ["seller_id", "period", "currency", "total", "attainment", "status", "run_id",
                            "prepared_by_id", "published_at"],
                ((st.seller_id, st.period, st.currency, st.total, json.dumps(st.attainment), st.status, st.run_id,
                  st.prepared_by_id, None) for st in to_create), tenant_id=tenant.pk)
    if to_create:
        created = Statement.objects.filter(period__in=open_months)
        if sellers is not None:
            created = created.filter(seller_id__in=sellers)
        new_ids = {(s, p): pk for s, p, pk in created.values_list("seller_id", "period", "id")}
        for st in to_create:
            st.pk = new_ids[(st.seller_id, st.period)]
    # COPY + one UPDATE … FROM (spm.db.bulk), not Django's bulk_update (a CASE per column and row).
    now = timezone.now()
    bulk_update(Statement, ["currency", "total", "attainment", "status", "prepared_by_id", "run_id", "published_at",
                            "updated_at"],
                ((st.pk, st.currency, st.total, json.dumps(st.attainment), st.status, st.prepared_by_id, st.run_id,
                  st.published_at, now) for st in to_update))
    by_key = {(st.seller_id, st.period): st for st in [*to_create, *to_update]}
    deal_ids, plan_names = lookups["deal_ids"], lookups["plan_names"]
    # Decimals adapted exactly as bulk_create would (PostgreSQL rounds to the column's scale itself;
    # SQLite gets Django's quantized string), then written in bulk (COPY on PostgreSQL): no model instances.
    adapt = connection.ops.adapt_decimalfield_value
    dec = {name: (f.max_digits, f.decimal_places) for name in ("credit", "quota", "attainment_before",
                                                               "attainment_after", "rate")
           for f in [EarningLine._meta.get_field(name)]}

    def d(name, value):
        return None if value is None else adapt(Decimal(value), *dec[name])

    run_id = run.pk if run is not None else None

    def object_row(statement_id, position, line):
        return (statement_id, run_id, line.seller, line.period, position,
                plan_names.get(line.plan, "") if line.plan else "", line.component, line.kind,
                deal_ids.get(line.deal) if line.deal else None, line.deal or "", line.credit_kind or "",
                d("credit", line.credit), d("quota", line.quota), line.quota_period or "",
                d("attainment_before", line.attainment_before), d("attainment_after", line.attainment_after),
                d("rate", line.rate), Decimal(line.amount).quantize(CENT), line.explanation, line.facts,
                line.adjustment_ref)

    # PostgreSQL: the commission lines' COPY text made column-wise (line_text); the other lines as row tuples
    column_text = (line_text.column_text(result, run_id=run_id, plan_names=plan_names, deal_ids=deal_ids, d=d,
                                         ends=copy_line_ends(EarningLine, LINE_FIELDS, tenant.pk))
                   if connection.vendor == "postgresql" else None)

    # the lines to write in write order (statements in `wanted` order, each one's lines by position)
    rank_of = {key: r for r, key in enumerate(wanted)}
    rank = np.fromiter((rank_of.get(key, -1) for key in lines.keys), dtype=np.int64, count=len(lines.keys))
    extra = [(rank_of[key], line) for key, more in wanted.items() for line in more]
    pk_of = np.fromiter((by_key[key].pk for key in wanted), dtype=np.int64, count=len(wanted))
    w_rank, w_position, w_line = write_order.write_entries(lines, rank, extra)

    def line_of(x: int):
        return result.objs[x - n] if x >= 0 else extra[-1 - x][1]

    def slice_rows(st: list, position: list, x: np.ndarray):
        if column_text is None:  # SQLite: the very values the Line would give
            for s_id, pos, i in zip(st, position, x.tolist(), strict=True):
                yield object_row(s_id, pos, result.column_line(i) if 0 <= i < n else line_of(i))
            return
        column = (x >= 0) & (x < n)
        cols = np.flatnonzero(column)
        made = column_text([st[j] for j in cols.tolist()], [position[j] for j in cols.tolist()], x[cols])
        done = 0  # lines of `made` written
        start = 0
        for j in [*np.flatnonzero(~column).tolist(), len(x)]:  # the commission lines up to each other line
            for c in range(start, j, COPY_CHUNK_LINES):
                size = min(j, c + COPY_CHUNK_LINES) - c
                yield CopyText("".join(made[done:done + size]), size)
                done += size
            if j < len(x):
                yield object_row(st[j], position[j], line_of(int(x[j])))
            start = j + 1

    def rows():  # in slices of the write order: a slice's text (facts, numeric columns) is made, written, dropped
        for s in range(0, len(w_line), WRITE_SLICE):
            yield from slice_rows(pk_of[w_rank[s:s + WRITE_SLICE]].tolist(), w_position[s:s + WRITE_SLICE].tolist(),
                                  w_line[s:s + WRITE_SLICE])

    count = bulk_insert(EarningLine, LINE_FIELDS, rows(), tenant_id=tenant.pk)
    return len(wanted), count


def calculation_execute(*, run_id: int) -> CalculationRun:
    """Run calculation `run_id` of the tenant in scope (the body of the Celery task).

    Claims the run with a conditional update (queued → running): a second delivery of the same
    task finds it claimed and returns without doing anything. Progress is committed at each step.
    On any error the run is marked failed with a readable message, the error is logged, and the
    previous results stay as they were (the write transaction rolled back). Never raises for a
    failed calculation; the run row says what happened.
    """
    with _run_lock(run_id) as owned:
        if not owned:  # a live worker is executing this run right now (a duplicate delivery)
            logger.info("calculation run is being executed elsewhere", extra={"run_id": run_id})
            with tenant_atomic():
                return CalculationRun.objects.get(pk=run_id)
        return _execute_claimed(run_id, orphan_if_running=connection.vendor == "postgresql")


@contextmanager
def _run_lock(run_id: int) -> Iterator[bool]:
    """Hold a session-level advisory lock on the run while executing it (PostgreSQL).

    The lock lives as long as the executing worker's database connection: a worker killed mid-run
    (SIGKILL, OOM) loses its connection, PostgreSQL rolls its open transaction back and releases the
    lock. So a redelivered task (acks_late) that gets the lock while the row still says `running`
    knows the previous executor is dead and takes the run over at once, instead of waiting for the
    30-minute stale timeout. On SQLite (no advisory locks; one process) it always owns the run.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCK_NAMESPACE, run_id])
        owned = bool(cursor.fetchone()[0])
    try:
        yield owned
    finally:
        if owned:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK_NAMESPACE, run_id])


@contextmanager
def tenant_calculation_lock() -> Iterator[None]:
    """Hold the tenant's calculation lock (PostgreSQL, session-level, waits) from reading inputs to writing lines.

    Reading and writing are separate transactions, so without it two workers lose an update: a recalculation
    that read its inputs before a second change committed would write its older lines over the lines the
    second change's recalculation already wrote. Held, the later one reads after the earlier one wrote. A
    worker that dies releases it with its connection. SQLite (one process) needs none.
    """
    if connection.vendor != "postgresql":
        yield
        return
    key = [TENANT_LOCK_NAMESPACE, current_tenant().pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def _execute_claimed(run_id: int, *, orphan_if_running: bool) -> CalculationRun:
    with tenant_calculation_lock():
        return _execute_locked(run_id, orphan_if_running=orphan_if_running)


def _execute_locked(run_id: int, *, orphan_if_running: bool) -> CalculationRun:
    now = timezone.now()
    with tenant_atomic():
        # Queued, or running but orphaned by a worker that died mid-run (acks_late redelivers the task):
        # either way this delivery owns it now. With the advisory lock held, any `running` row is an
        # orphan (its executor's lock is gone); without it, only one older than the stale timeout.
        if orphan_if_running:
            orphaned = Q(status=CalculationRun.Status.RUNNING)
        else:
            orphaned = Q(status=CalculationRun.Status.RUNNING, started_at__lt=now - STALE_AFTER)
        claimed = CalculationRun.objects.filter(Q(status=CalculationRun.Status.QUEUED) | orphaned, pk=run_id).update(
            status=CalculationRun.Status.RUNNING, started_at=now, progress=0, message="Starting"
        )
        run = CalculationRun.objects.get(pk=run_id)
    if not claimed:
        logger.info("calculation run already claimed", extra={"run_id": run_id, "status": run.status})
        return run
    try:
        _progress(run_id, 10, "Loading inputs")
        with tenant_atomic():
            # the engine also covers the approved/paid months, to carry what changed in them as corrections
            engine_from = min(filter(None, [run.period_from, earliest_locked_month()]))
            inp, lookups = load_engine_input(period_from=engine_from, period_through=run.period_through,
                                             with_deals=False)
            ext = {pk: key for key, pk in lookups["seller_ids"].items()}
            parts = partitions.seller_groups(inp, PARTITION_SELLERS, partitions.party_deal_counts(ext))
            if len(parts) == 1:  # the deals in one read, as load_engine_input would (its other inputs are read)
                inp, lookups = partitions.partition_input(inp, lookups, None)
                fingerprint = input_fingerprint(inp)
            else:  # the deals are read partition by partition below
                fingerprint = input_fingerprint(inp, partitions.every_deal_repr(ext))
        _progress(run_id, 40, "Calculating", input_fingerprint=fingerprint)
        months = months_between(run.period_from, run.period_through)
        if len(parts) == 1:
            result = _keyed_by_database_id(calculate(inp), lookups["seller_ids"])
            _progress(run_id, 80, f"Writing {len(result)} lines")
        else:
            _progress(run_id, 50, f"Calculating and writing {len(parts)} partitions of sellers")
        with tenant_atomic():
            if len(parts) == 1:
                statements, lines = _write_results(run, result, lookups, months)
            else:  # one partition's deals, credits and lines in memory at a time, all written in this one transaction
                statements = lines = 0
                for only in parts:
                    part, part_lookups = partitions.partition_input(inp, lookups, only)
                    ids = {lookups["seller_ids"][s] for s in only}
                    result = _keyed_by_database_id(calculate(part), lookups["seller_ids"])
                    del part  # its deals go before the next partition's are read
                    n_st, n_lines = _write_results(run, result, part_lookups, months, sellers=ids)
                    del result, part_lookups
                    statements, lines = statements + n_st, lines + n_lines
            CalculationRun.objects.filter(pk=run_id).update(
                status=CalculationRun.Status.SUCCEEDED, progress=100, statement_count=statements, line_count=lines,
                message=f"Done: {statements} statements, {lines} lines", finished_at=timezone.now(),
            )
        logger.info("calculation run succeeded", extra={"run_id": run_id, "statements": statements, "lines": lines,
                                                         "tenant_id": current_tenant().pk})
    except Exception as exc:  # noqa: BLE001 - any failure becomes a readable failed run
        extra = {"run_id": run_id, "tenant_id": current_tenant().pk, "error": str(exc)}
        if isinstance(exc, (EngineError, PlanValidationError, DomainError)):
            logger.warning("calculation run failed on its inputs", extra=extra)  # the data, not a bug
        else:
            logger.exception("calculation run failed", extra=extra)
        with tenant_atomic():
            CalculationRun.objects.filter(pk=run_id).update(
                status=CalculationRun.Status.FAILED, message=f"Failed: {exc}"[:300], finished_at=timezone.now()
            )
    with tenant_atomic():
        return CalculationRun.objects.get(pk=run_id)
