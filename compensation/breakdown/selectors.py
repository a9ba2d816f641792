"""Reads for the grouped statement: a statement's lines as plain dicts for `grouping`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from compensation.breakdown.grouping import Breakdown, group_statement
from compensation.explanations import render_explanation

if TYPE_CHECKING:
    from compensation.models import Statement

LINE_FIELDS = (
    "id", "position", "component", "kind", "deal_external_id", "opportunity_id", "opportunity__name", "credit",
    "quota", "quota_period", "attainment_before", "attainment_after", "rate", "amount", "explanation", "explain", "plan_name",
    "credit_kind",
)


def statement_line_rows(*, statement: Statement) -> list[dict]:
    """The statement's lines in order, as dicts (one query)."""
    rows = []
    for values in statement.lines.order_by("position", "id").values(*LINE_FIELDS):
        values["deal"] = values.pop("deal_external_id")
        values["deal_name"] = values.pop("opportunity__name") or values["deal"]
        values["explanation"] = render_explanation(values)
        del values["explain"]
        rows.append(values)
    return rows


def statement_breakdown(*, statement: Statement) -> Breakdown:
    return group_statement(statement_line_rows(statement=statement))
