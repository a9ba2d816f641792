"""Reads for the Pay pillar, composed with the one visibility rule of planning.selectors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum

from compensation.breakdown.grouping import explain
from compensation.explanations import render_explanation
from compensation.models import Adjustment, CalculationRun, CompPlan, PlanAssignment, Statement
from planning.selectors import restrict_to_visible
from spm.models import InputChange
from spm.tenancy.access import TenantAccess


def _changes_since_calculation(seller_ref="seller_id", period_ref="period", since_ref="run__started_at"):
    """Change-feed rows (spm.changes) of a statement's seller and month newer than its calculation."""
    return InputChange.objects.filter(
        Q(seller_id=OuterRef(seller_ref)) | Q(seller_id=InputChange.EVERY_SELLER),
        Q(month=OuterRef(period_ref)) | Q(month=InputChange.EVERY_MONTH),
        changed_at__gt=OuterRef(since_ref),
    )


def with_staleness(qs: QuerySet[Statement]) -> QuerySet[Statement]:
    """Annotate `inputs_changed`: a draft or published statement whose inputs changed after its
    calculation started (approved and paid ones are never recalculated, so never stale)."""
    return qs.annotate(inputs_changed=Exists(_changes_since_calculation()) & Q(
        status__in=(Statement.Status.DRAFT, Statement.Status.PUBLISHED), run__started_at__isnull=False))


def statement_input_changes(statement: Statement, *, limit: int = 5) -> list[InputChange]:
    """What changed since `statement` was calculated, newest first (for the page's explanation)."""
    if statement.is_locked or statement.run_id is None or statement.run.started_at is None:
        return []
    return list(InputChange.objects.filter(
        Q(seller_id=statement.seller_id) | Q(seller_id=InputChange.EVERY_SELLER),
        Q(month=statement.period) | Q(month=InputChange.EVERY_MONTH),
        changed_at__gt=statement.run.started_at,
    ).order_by("-changed_at")[:limit])


def statement_list(*, access: TenantAccess, period: str | None = None, status: str | None = None) -> QuerySet[Statement]:
    """Statements the viewer may see, each with `inputs_changed`. Reps and managers never see drafts."""
    qs = restrict_to_visible(Statement.objects.select_related("seller", "approved_by", "prepared_by", "run"), access, pay=True)
    qs = with_staleness(qs)
    if not access.can("statements.view_all"):
        qs = qs.exclude(status=Statement.Status.DRAFT)
    if period:
        qs = qs.filter(period=period)
    if status:
        qs = qs.filter(status=status)
    return qs


def statement_status_summary(statements: QuerySet[Statement], *, drafts: bool = True) -> list[dict]:
    """{status, label, count, total} for every statement status, in workflow order (one query); without
    the draft row when the statements aggregated leave drafts out (`totals_count_drafts`)."""
    by_status = {row["status"]: row for row in statements.order_by().values("status").annotate(n=Count("id"), total=Sum("total"))}
    return [
        {"status": value, "label": label, "count": by_status.get(value, {}).get("n", 0),
         "total": by_status.get(value, {}).get("total") or Decimal(0)}
        for value, label in Statement.Status.choices if drafts or value != Statement.Status.DRAFT
    ]


def totals_count_drafts(access: TenantAccess) -> bool:
    """Whether `statement_totals_base` counts draft statements: not for executives' tenant-wide totals."""
    return not (access.role == "executive" and access.can("analytics.view"))


def statement_totals_base(*, access: TenantAccess) -> QuerySet[Statement]:
    """Statements to AGGREGATE for dashboards (totals by month/status, never listed row by row).

    Executives read tenant-wide analytics (comp cost, liability) without seeing any one person's
    statement, and published figures only (drafts are working figures); every other role aggregates
    exactly what it may list.
    """
    if not totals_count_drafts(access):
        return Statement.objects.exclude(status=Statement.Status.DRAFT)
    return statement_list(access=access)


def statement_get(*, access: TenantAccess, pk: int) -> Statement | None:
    return statement_list(access=access).filter(pk=pk).first()


def line_explanation(row) -> str:
    """A line's explanation in words: the one place every page, print, export and the API reads it.

    `row` is an EarningLine, a `.values()` dict with `explanation` and `explain`, or an engine Line:
    the stored text, else the text rendered from the run's stored facts (same wording as the engine's),
    else — for a row with neither — words built from its structured fields.
    """
    text = render_explanation(row)
    if text or not isinstance(row, Mapping):
        return text
    return explain(row)


def statement_period_summary(*, access: TenantAccess, status: str, by_currency: bool = False, months: int = 24) -> list[dict]:
    """Per month (and currency), newest first: how many visible statements have `status`, and their total."""
    keys = ("period", "currency") if by_currency else ("period",)
    return list(
        statement_list(access=access, status=status).order_by().values(*keys)
        .annotate(n=Count("id"), total=Sum("total")).order_by("-period", *keys[1:])[:months]
    )


def approval_queue(*, access: TenantAccess) -> QuerySet[Statement]:
    return statement_list(access=access, status=Statement.Status.PUBLISHED).order_by("period", "seller__name")


def run_list() -> QuerySet[CalculationRun]:
    return CalculationRun.objects.select_related("requested_by")


def run_get(*, pk: int) -> CalculationRun | None:
    return run_list().filter(pk=pk).first()


def plan_list() -> QuerySet[CompPlan]:
    return CompPlan.objects.all()


def plan_latest_version(*, name: str) -> int:
    """The newest version number of the plan called `name` (0 when none)."""
    return CompPlan.objects.filter(name=name).aggregate(v=Max("version"))["v"] or 0


def assignment_list(*, access: TenantAccess) -> QuerySet[PlanAssignment]:
    return restrict_to_visible(PlanAssignment.objects.select_related("seller", "plan"), access, pay=True)


def adjustment_list(*, access: TenantAccess) -> QuerySet[Adjustment]:
    return restrict_to_visible(Adjustment.objects.select_related("seller", "created_by"), access, pay=True)


# --- history and attainment, for statement pages and dashboards ----------------------------------


RECENT_MONTHS = 12


def _fraction(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (ArithmeticError, TypeError, ValueError):
        return None


@dataclass
class EarningsHistory:
    """Per month (oldest first): total earnings and attainment per component."""

    periods: list[str] = field(default_factory=list)
    earnings: list[Decimal] = field(default_factory=list)
    attainment: dict[str, list[Decimal | None]] = field(default_factory=dict)
    currency: str = ""


def earnings_history(statements: QuerySet[Statement], *, months: int = RECENT_MONTHS) -> EarningsHistory:
    """Monthly totals of the given statements (already visibility-filtered), last `months` months."""
    rows = list(
        statements.order_by().values("period").annotate(total=Sum("total")).order_by("-period")[:months]
    )
    rows.reverse()
    history = EarningsHistory(periods=[r["period"] for r in rows], earnings=[r["total"] or Decimal(0) for r in rows])
    return history


def seller_history(statements: QuerySet[Statement], *, months: int = RECENT_MONTHS) -> EarningsHistory:
    """One seller's statements: earnings and attainment per component, last `months` months."""
    return history_of(list(statements.order_by("-period")[:months]))


def history_of(newest_first: list[Statement]) -> EarningsHistory:
    """The history of statements already read, newest first (so a page reads them only once)."""
    items = newest_first[::-1]
    history = EarningsHistory(periods=[s.period for s in items], earnings=[s.total for s in items])
    components = sorted({c for s in items for c in (s.attainment or {})})
    history.attainment = {c: [_fraction((s.attainment or {}).get(c)) for s in items] for c in components}
    history.currency = items[-1].currency if items else ""
    return history


def attainment_rows(attainment: dict | None) -> list[dict]:
    """{component: "0.81"} → rows with the fraction and a bar width capped at 100 %."""
    rows = []
    for component, value in sorted((attainment or {}).items()):
        fraction = _fraction(value)
        if fraction is None:
            continue
        rows.append({"component": component, "fraction": fraction, "pct": fraction * 100, "bar": min(fraction * 100, 100)})
    return rows
