"""Calculation runs: request (one at a time per tenant and period), execute (the task body).

The maths lives in compensation.engine (pure). This module loads every input of the tenant in a
handful of `values_list` queries, calls the engine once, and replaces the range's draft results in
one transaction. Progress is committed in short separate transactions so a polling browser sees it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from compensation.engine import (
    AdjustmentInput,
    Assignment,
    ChurnEvent,
    Deal,
    EngineError,
    EngineInput,
    EngineResult,
    PlanValidationError,
    calculate,
    months_between,
    parse_plan_document,
)
from compensation.engine import (
    FxRate as EngineFxRate,
)
from compensation.engine.formatting import plain
from compensation.models import Adjustment, CalculationRun, CompPlan, EarningLine, PlanAssignment, Statement
from performance import selectors as performance_selectors
from planning import selectors as planning_selectors
from spm.background import require_queue
from spm.errors import ConflictError, DomainError
from spm.fiscal import month_end, month_start
from spm.models import FxRate, Tenant
from spm.services import closed_periods, validate_month_key
from spm.tenancy.context import current_tenant
from spm.tenancy.db import tenant_atomic
from spm.upsert import full_clean_or_raise

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
ATTAINMENT_PLACES = Decimal("1e-10")  # stored attainment fractions (0.6, 1.1666666667)
ACTIVE = (CalculationRun.Status.QUEUED, CalculationRun.Status.RUNNING)
# A run queued or running for longer than this was orphaned (its worker died or the broker lost the
# message); a full year at benchmark scale takes well under a minute, so this is generous.
STALE_AFTER = dt.timedelta(minutes=30)


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


def calculation_request(*, period_from: str, period_through: str | None = None, requested_by=None) -> CalculationRun:
    """Queue a calculation of months `period_from`..`period_through` (default: one month).

    Errors: DomainError on bad month keys or from > through; ConflictError when a queued or running
    run of the tenant overlaps the range. Race-safe: the tenant row is locked (SELECT … FOR
    UPDATE) while checking and creating, so two concurrent requests serialise. Starts
    compensation.tasks.calculation_run on commit (eagerly without a broker). ServiceUnavailableError,
    with nothing written, when a broker is configured but unreachable.
    """
    from compensation.tasks import calculation_run  # tasks import services; import late to avoid a cycle

    period_through = period_through or period_from
    validate_month_key(period_from, "period_from")
    validate_month_key(period_through, "period_through")
    if period_from > period_through:
        raise DomainError(f"period_from {period_from} is after period_through {period_through}", code="invalid_period")
    require_queue()  # Redis down: refuse now (ServiceUnavailableError), before a run row exists
    tenant = current_tenant()
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


def _progress(run_id: int, progress: int, message: str, **fields) -> None:
    # Its own short transaction: committed at once, visible to whoever polls the run.
    with tenant_atomic():
        CalculationRun.objects.filter(pk=run_id).update(progress=progress, message=message[:300], **fields)


def load_engine_input(*, period_from: str, period_through: str) -> tuple[EngineInput, dict]:
    """Every input of the tenant in scope, as an EngineInput, plus lookups for writing results.

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
    splits: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for opp_id, seller_id, pct in performance_selectors.credited_split_rows():
        splits[opp_id].append((ext[seller_id], pct / 100))  # stored in percent; the engine takes fractions
    deal_ids = {}
    deals = []
    for pk, external_id, owner, amount, currency, close, deal_type in performance_selectors.credited_deal_rows():
        deal_ids[external_id] = pk
        deals.append(Deal(key=external_id, owner=ext[owner], amount=amount, currency=currency, close_date=close,
                          deal_type=deal_type, splits=tuple(sorted(splits.get(pk, ())))))
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


def input_fingerprint(inp: EngineInput) -> str:
    """sha256 of the canonical inputs: equal fingerprints ⇒ the engine returns equal lines."""
    from compensation.engine import plan_document_to_dict

    canonical = {
        "fy": inp.fy_start_month, "base": inp.base_currency, "from": inp.period_from, "through": inp.period_through,
        "managers": sorted((str(k), str(v)) for k, v in inp.managers.items()),
        "plans": {k: plan_document_to_dict(v) for k, v in sorted(inp.plans.items())},
        "assignments": sorted(map(repr, inp.assignments)),
        "quotas": sorted((str(k), plain(v)) for k, v in inp.quotas.items()),
        "deals": [repr(d) for d in inp.deals],
        "fx": sorted(map(repr, inp.fx_rates)),
        "events": sorted(map(repr, inp.events)),
        "adjustments": sorted(map(repr, inp.adjustments)),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


def _keyed_by_database_id(result: EngineResult, seller_ids: dict[str, int]) -> EngineResult:
    """Translate the engine's seller keys (external ids) back to database ids for storage."""
    return EngineResult(
        lines=tuple(dataclasses.replace(line, seller=seller_ids[line.seller]) for line in result.lines),
        attainment={(seller_ids[seller], month): values for (seller, month), values in result.attainment.items()},
    )


def _write_results(run: CalculationRun, result, lookups: dict, months: list[str]) -> tuple[int, int]:
    """Replace the range's draft results in ONE transaction; returns (statements, lines) written.

    Approved/paid statements and closed periods are skipped entirely: never rewritten.
    """
    tenant = current_tenant()
    closed = closed_periods()
    open_months = [m for m in months if m not in closed]
    existing = {
        (st.seller_id, st.period): st
        for st in Statement.objects.select_for_update().filter(period__in=open_months)
    }
    locked = {key for key, st in existing.items() if st.is_locked}

    # Who needs a statement: everyone with an assignment in the month, plus anyone with a line.
    wanted: dict[tuple[int, str], list] = {}
    plan_of: dict[tuple[int, str], str] = {}
    for month in open_months:
        start = month_start(month)
        end = month_end(start.year, start.month)
        for a in lookups["assignments"]:
            if a.start <= end and (a.end is None or a.end >= start):
                wanted.setdefault((a.seller, month), [])
                plan_of.setdefault((a.seller, month), a.plan)
    open_set = set(open_months)
    for line in result.lines:
        key = (line.seller, line.period)
        if line.period not in open_set:
            continue
        wanted.setdefault(key, []).append(line)
        if line.plan is not None:
            plan_of.setdefault(key, line.plan)
    for key in locked:
        wanted.pop(key, None)

    rewritable = [st.pk for key, st in existing.items() if key not in locked]
    EarningLine.objects.filter(statement_id__in=rewritable).delete()
    stale = [st.pk for key, st in existing.items() if key not in locked and key not in wanted]
    Statement.objects.filter(pk__in=stale).delete()

    to_create, to_update = [], []
    for (seller, month), lines in sorted(wanted.items()):
        plan_key = plan_of.get((seller, month))
        currency = lookups["plan_currency"].get(plan_key, tenant.base_currency)
        total = sum((Decimal(line.amount).quantize(CENT) for line in lines), Decimal("0.00"))
        attainment = {
            c: plain(Decimal(v).quantize(ATTAINMENT_PLACES))
            for c, v in sorted(result.attainment.get((seller, month), {}).items())
        }
        st = existing.get((seller, month))
        if st is None:
            st = Statement(tenant=tenant, seller_id=seller, period=month)
            to_create.append(st)
        else:
            to_update.append(st)
        st.currency, st.total, st.attainment = currency, total, attainment
        st.status, st.prepared_by_id, st.run = Statement.Status.DRAFT, run.requested_by_id, run
        st.published_at = None
    Statement.objects.bulk_create(to_create, batch_size=1000)
    Statement.objects.bulk_update(
        to_update, ["currency", "total", "attainment", "status", "prepared_by", "run", "published_at", "updated_at"],
        batch_size=1000,
    )
    by_key = {(st.seller_id, st.period): st for st in [*to_create, *to_update]}
    if any(st.pk is None for st in to_create):  # backends without RETURNING ids on bulk insert
        by_key.update({
            (st.seller_id, st.period): st for st in Statement.objects.filter(period__in=open_months)
        })
    deal_ids, plan_names = lookups["deal_ids"], lookups["plan_names"]
    new_lines = []
    for key, lines in wanted.items():
        st = by_key[key]
        for position, line in enumerate(lines):
            new_lines.append(EarningLine(
                tenant=tenant, statement=st, run=run, seller_id=line.seller, period=line.period, position=position,
                plan_name=plan_names.get(line.plan, "") if line.plan else "", component=line.component,
                kind=line.kind, opportunity_id=deal_ids.get(line.deal) if line.deal else None,
                deal_external_id=line.deal or "", credit_kind=line.credit_kind or "", credit=line.credit,
                quota=line.quota, quota_period=line.quota_period or "", attainment_before=line.attainment_before,
                attainment_after=line.attainment_after, rate=line.rate, amount=Decimal(line.amount).quantize(CENT),
                explanation=line.explanation, adjustment_id=line.adjustment_ref,
            ))
    EarningLine.objects.bulk_create(new_lines, batch_size=1000)
    return len(wanted), len(new_lines)


def calculation_execute(*, run_id: int) -> CalculationRun:
    """Run calculation `run_id` of the tenant in scope (the body of the Celery task).

    Claims the run with a conditional update (queued → running): a second delivery of the same
    task finds it claimed and returns without doing anything. Progress is committed at each step.
    On any error the run is marked failed with a readable message, the error is logged, and the
    previous results stay as they were (the write transaction rolled back). Never raises for a
    failed calculation; the run row says what happened.
    """
    now = timezone.now()
    with tenant_atomic():
        # Queued, or running but orphaned by a worker that died mid-run (acks_late redelivers the task):
        # either way this delivery owns it now. A run running normally is left alone.
        orphaned = Q(status=CalculationRun.Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER)
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
            inp, lookups = load_engine_input(period_from=run.period_from, period_through=run.period_through)
        fingerprint = input_fingerprint(inp)
        _progress(run_id, 40, "Calculating", input_fingerprint=fingerprint)
        result = _keyed_by_database_id(calculate(inp), lookups["seller_ids"])
        _progress(run_id, 80, f"Writing {len(result.lines)} lines")
        with tenant_atomic():
            statements, lines = _write_results(run, result, lookups, months_between(run.period_from, run.period_through))
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
