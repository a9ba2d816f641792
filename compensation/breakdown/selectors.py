"""Reads for the grouped statement: the statement page's statement and its lines as plain dicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from compensation.breakdown.grouping import Breakdown, group_statement
from compensation.holds.models import Hold
from compensation.models import EarningLine, Statement
from compensation.selectors import RECENT_MONTHS, line_explanation, statement_list

if TYPE_CHECKING:
    from spm.tenancy.access import TenantAccess

# Only the columns the page, print and grouped CSV show (`explanation` is read through
# `line_explanation`, never directly): a 5,000-line statement is one indexed SELECT of these.
LINE_FIELDS = (
    "id", "position", "component", "kind", "deal_external_id", "opportunity_id", "opportunity__name", "credit",
    "quota", "quota_period", "attainment_before", "attainment_after", "rate", "amount", "explanation", "explain",
    "plan_name", "credit_kind", "adjustment_id",
)


def statement_line_rows(*, statement: Statement, extra: tuple[str, ...] = ()) -> list[dict]:
    """The statement's lines in order, as dicts (one query on the (tenant, statement, position) index)."""
    fields = LINE_FIELDS + extra
    rows = []
    for values in EarningLine.objects.filter(statement_id=statement.pk).order_by("position", "id").values_list(*fields):
        row = dict(zip(fields, values, strict=True))
        row["deal"] = row.pop("deal_external_id")
        row["deal_name"] = row.pop("opportunity__name") or row["deal"]
        rows.append(row)
    return rows


def statement_breakdown(*, statement: Statement, rows: list[dict] | None = None) -> Breakdown:
    rows = statement_line_rows(statement=statement) if rows is None else rows
    return group_statement(rows, explain_line=line_explanation)


def statement_with_history(*, access: TenantAccess, pk: int, months: int = RECENT_MONTHS) -> tuple[Statement | None, list]:
    """The statement the viewer may see and its seller's statements up to it, newest first.

    One query for the page's header, chart and earned vs payable: the seller's visible statements
    with a period up to this one's (the first is this one — a seller has one statement a month),
    each annotated with `held`, the sum of its holds. (None, []) when the viewer may not see it.
    """
    target = Statement.objects.filter(pk=pk)
    held = (Hold.objects.filter(statement_id=OuterRef("pk")).order_by().values("statement_id")
            .annotate(s=Sum("amount")).values("s")[:1])
    rows = list(
        statement_list(access=access)
        .filter(seller_id=Subquery(target.values("seller_id")[:1]), period__lte=Subquery(target.values("period")[:1]))
        .annotate(held=Coalesce(Subquery(held), Value(0), output_field=DecimalField(max_digits=16, decimal_places=2)))
        .order_by("-period")[:months]
    )
    if not rows or rows[0].pk != pk:
        return None, []
    return rows[0], rows
