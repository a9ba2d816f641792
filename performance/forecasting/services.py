"""Writes of forecasting: submissions, manager overrides, training the win-probability model."""

from __future__ import annotations

import datetime as dt
import io
import logging
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from performance.forecasting import engine
from performance.forecasting.models import ForecastOverride, ForecastSubmission, WinModelRun
from performance.models import PipelineStage
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError
from spm.fiscal import parse_period_key
from spm.tenancy.context import current_tenant
from spm.tenancy.db import tenant_atomic

if TYPE_CHECKING:
    from planning.models import Seller

logger = logging.getLogger(__name__)


def _quarter(period: str) -> str:
    try:
        _, _, kind = parse_period_key(period, current_tenant().fiscal_year_start_month)
    except ValueError:
        kind = None
    if kind != "quarter":
        raise DomainError(f"period: {period!r} is not a fiscal quarter like 2027-Q1", field="period")
    return period


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{field}: {value!r} is not an amount", field=field) from None
    if not amount.is_finite() or amount < 0:
        raise DomainError(f"{field}: must be zero or more, got {value}", field=field)
    return amount


def _commit_best(commit, best_case) -> tuple[Decimal, Decimal]:
    commit = _money(commit, "commit")
    best_case = _money(best_case, "best_case")
    if best_case < commit:
        raise DomainError(f"best_case: {best_case} is below the commit {commit}; best case includes the commit",
                          field="best_case")
    return commit, best_case


def forecast_submit(*, seller: Seller, period: str, commit, best_case, note: str = "", actor,
                    submitted_at: dt.datetime | None = None) -> ForecastSubmission:
    """Record ``seller``'s call for fiscal quarter ``period`` (a new row each time; the latest counts).

    Errors: DomainError naming ``period``, ``commit`` or ``best_case``. Audited as forecast.submit.
    """
    period = _quarter(period)
    commit, best_case = _commit_best(commit, best_case)
    with transaction.atomic():
        submission = ForecastSubmission(
            tenant=current_tenant(), seller=seller, period=period, commit=commit, best_case=best_case,
            note=(note or "")[:2000], submitted_at=submitted_at or timezone.now(),
            submitted_by=actor if getattr(actor, "pk", None) else None,
        )
        submission.save()
        audit_record(actor=actor, action="forecast.submit", instance=submission, after=snapshot(submission))
    return submission


def forecast_override_set(*, seller: Seller, period: str, commit, best_case, note: str = "", actor,
                          at: dt.datetime | None = None) -> ForecastOverride:
    """A manager's call for ``seller``'s subtree; replaces (removes) any standing override of that node.

    The roll-up below stays visible beside it. Audited as forecast.override (before = the replaced one).
    """
    period = _quarter(period)
    commit, best_case = _commit_best(commit, best_case)
    now = at or timezone.now()
    with transaction.atomic():
        standing = ForecastOverride.objects.select_for_update().filter(
            seller=seller, period=period, removed_at__isnull=True).first()
        before = snapshot(standing) if standing else None
        if standing is not None:
            standing.removed_at = now
            standing.removed_by = actor if getattr(actor, "pk", None) else None
            standing.save(update_fields=["removed_at", "removed_by"])
        override = ForecastOverride(
            tenant=current_tenant(), seller=seller, period=period, commit=commit, best_case=best_case,
            note=(note or "")[:2000], created_at=now, created_by=actor if getattr(actor, "pk", None) else None,
        )
        override.save()
        audit_record(actor=actor, action="forecast.override", instance=override, before=before,
                     after=snapshot(override))
    return override


def forecast_override_remove(*, override: ForecastOverride, actor, at: dt.datetime | None = None) -> ForecastOverride:
    """Withdraw a standing override: the roll-up below becomes the call again. Audited."""
    with transaction.atomic():
        override = ForecastOverride.objects.select_for_update().get(pk=override.pk)
        if override.removed_at is not None:
            raise ConflictError("This override was already removed.")
        before = snapshot(override)
        override.removed_at = at or timezone.now()
        override.removed_by = actor if getattr(actor, "pk", None) else None
        override.save(update_fields=["removed_at", "removed_by"])
        audit_record(actor=actor, action="forecast.override_remove", instance=override, before=before,
                     after=snapshot(override))
    return override


def stage_probabilities_set(*, probabilities: dict[str, object], actor) -> int:
    """Set the weighted pipeline's probability of each named stage (0..1, or None to clear).

    All or nothing: an unknown stage name or a value outside 0..1 raises DomainError naming the
    stage and changes nothing. Each changed stage is audited (pipeline_stage.probability).
    Returns the number of stages changed.
    """
    parsed: dict[str, Decimal | None] = {}
    for name, value in probabilities.items():
        if value in (None, ""):
            parsed[name] = None
            continue
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise DomainError(f"{name}: {value!r} is not a probability between 0 and 1", field=name) from None
        if not number.is_finite() or not Decimal(0) <= number <= Decimal(1):
            raise DomainError(f"{name}: {value} is not a probability between 0 and 1", field=name)
        parsed[name] = number.quantize(Decimal("0.0001"))
    changed = 0
    with transaction.atomic():
        stages = {s.name: s for s in PipelineStage.objects.select_for_update().filter(name__in=list(parsed))}
        unknown = sorted(set(parsed) - set(stages))
        if unknown:
            raise DomainError(f"{unknown[0]}: no such stage in this workspace", field=unknown[0])
        for name, probability in parsed.items():
            stage = stages[name]
            if stage.probability == probability:
                continue
            before = {"probability": stage.probability}
            stage.probability = probability
            stage.save(update_fields=["probability"])
            audit_record(actor=actor, action="pipeline_stage.probability", instance=stage, before=before,
                         after={"probability": probability})
            changed += 1
    return changed


def win_model_request(*, actor) -> WinModelRun:
    """Queue a training of the tenant's win model; the Celery task starts when this commits.

    ConflictError when a training is already queued or running.
    """
    from performance import tasks

    with transaction.atomic():
        if WinModelRun.objects.filter(status__in=[WinModelRun.Status.QUEUED, WinModelRun.Status.RUNNING]).exists():
            raise ConflictError("A training of the win model is already queued or running.")
        run = WinModelRun(tenant=current_tenant(), requested_by=actor if getattr(actor, "pk", None) else None)
        run.save()
        audit_record(actor=actor, action="forecast.model_request", instance=run, after={"status": run.status})
        tenant_id, run_id = run.tenant_id, run.pk
        transaction.on_commit(lambda: tasks.win_model_train.delay(tenant_id=tenant_id, run_id=run_id))
    return run


def win_model_train(*, run_id: int, today: dt.date | None = None) -> WinModelRun:
    """The task body: claim the run, fit and evaluate the model on every deal closed so far, store it.

    Safe to deliver twice: only a queued run is claimed (conditional update). A failure is stored
    on the run with its message (status failed), never half a model. Each step is its own
    tenant transaction, so "running" is visible while the model trains.
    """
    import joblib

    from performance.forecasting import selectors

    with tenant_atomic():
        claimed = WinModelRun.objects.filter(pk=run_id, status=WinModelRun.Status.QUEUED).update(
            status=WinModelRun.Status.RUNNING)
    with tenant_atomic():
        run = WinModelRun.objects.get(pk=run_id)
    if not claimed:
        return run
    today = today or timezone.localdate()
    try:
        with tenant_atomic():
            history, deals = selectors.history_frames()
        outcomes = engine.closed_outcomes(history, today) if not history.empty else None
        if outcomes is None or outcomes.empty:
            fit = engine.WinModel(estimator=None, n_deals=0, n_won=0, n_lost=0, n_rows=0,
                                  verdict="No closed deals yet: nothing to learn from.")
        else:
            fit = engine.win_model_fit(engine.open_snapshots(history, deals, today, outcomes))
        # The backtest of every method (the model retrained per quarter on what was known then)
        # is computed here too: it is the slow part, and the page shows the stored result.
        with tenant_atomic():
            backtest = selectors.backtest_report(today=today, model=True)
        blob = None
        if fit.estimator is not None:
            buffer = io.BytesIO()
            joblib.dump(fit.estimator, buffer)
            blob = buffer.getvalue()
        with tenant_atomic():
            run.status = WinModelRun.Status.SUCCEEDED
            run.metrics = {**fit.metrics(), "backtest": backtest}
            run.estimator = blob
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "metrics", "estimator", "finished_at"])
            audit_record(actor=run.requested_by, action="forecast.model_train", instance=run,
                         after={"status": run.status, **fit.metrics()})
    except Exception as exc:  # stored on the run for the page; the log keeps the traceback
        logger.exception("win model training failed", extra={"run_id": run_id})
        with tenant_atomic():
            WinModelRun.objects.filter(pk=run_id).update(
                status=WinModelRun.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
            run.refresh_from_db()
    return run
