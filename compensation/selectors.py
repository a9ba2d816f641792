"""Reads for the Pay pillar, composed with the one visibility rule of planning.selectors."""

from __future__ import annotations

from django.db.models import QuerySet

from compensation.models import Adjustment, CalculationRun, CompPlan, EarningLine, PlanAssignment, Statement
from planning.selectors import restrict_to_visible
from spm.tenancy.access import TenantAccess


def statement_list(*, access: TenantAccess, period: str | None = None, status: str | None = None) -> QuerySet[Statement]:
    """Statements the viewer may see. Reps and managers never see drafts (not yet published)."""
    qs = restrict_to_visible(Statement.objects.select_related("seller", "approved_by", "prepared_by"), access, pay=True)
    if not access.can("statements.view_all"):
        qs = qs.exclude(status=Statement.Status.DRAFT)
    if period:
        qs = qs.filter(period=period)
    if status:
        qs = qs.filter(status=status)
    return qs


def statement_totals_base(*, access: TenantAccess) -> QuerySet[Statement]:
    """Statements to AGGREGATE for dashboards (totals by month/status, never listed row by row).

    Executives read tenant-wide analytics (comp cost, liability) without seeing any one person's
    statement; every other role aggregates exactly what it may list.
    """
    if access.role == "executive" and access.can("analytics.view"):
        return Statement.objects.exclude(status=Statement.Status.DRAFT)
    return statement_list(access=access)


def statement_get(*, access: TenantAccess, pk: int) -> Statement | None:
    return statement_list(access=access).filter(pk=pk).first()


def statement_lines(*, statement: Statement) -> QuerySet[EarningLine]:
    return statement.lines.select_related("opportunity", "adjustment").order_by("position", "id")


def approval_queue(*, access: TenantAccess) -> QuerySet[Statement]:
    return statement_list(access=access, status=Statement.Status.PUBLISHED).order_by("period", "seller__name")


def run_list() -> QuerySet[CalculationRun]:
    return CalculationRun.objects.select_related("requested_by")


def run_get(*, pk: int) -> CalculationRun | None:
    return run_list().filter(pk=pk).first()


def plan_list() -> QuerySet[CompPlan]:
    return CompPlan.objects.all()


def assignment_list(*, access: TenantAccess) -> QuerySet[PlanAssignment]:
    return restrict_to_visible(PlanAssignment.objects.select_related("seller", "plan"), access, pay=True)


def adjustment_list(*, access: TenantAccess) -> QuerySet[Adjustment]:
    return restrict_to_visible(Adjustment.objects.select_related("seller", "created_by"), access, pay=True)
