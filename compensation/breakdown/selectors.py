"""Reads for the grouped statement: the statement page's statement and its lines as plain dicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import (
    BigIntegerField,
    Count,
    DecimalField,
    Exists,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast

from compensation.breakdown.grouping import (
    DEAL_KINDS,
    ZERO,
    Breakdown,
    ComponentSummary,
    StatementWindow,
    group_statement,
)
from compensation.breakdown.page import DEALS_PER_PAGE
from compensation.disputes.models import Dispute
from compensation.holds.selectors import statement_hold_annotations
from compensation.models import Adjustment, EarningLine, Statement
from compensation.routing.models import ApprovalStep
from compensation.selectors import RECENT_MONTHS, line_explanation, statement_list
from spm.models import Period

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
    each annotated with its holds' sums (`statement_hold_annotations`). (None, []) when the viewer may not see it.
    """
    target = Statement.objects.filter(pk=pk)
    rows = list(
        statement_list(access=access)
        .filter(seller_id=Subquery(target.values("seller_id")[:1]), period__lte=Subquery(target.values("period")[:1]))
        # What was held and where released holds went (their lines stay on this statement).
        .annotate(**statement_hold_annotations(),
                  # Whether the page must read these at all: most statements have none of them.
                  has_adjustments=Exists(Adjustment.objects.filter(seller_id=OuterRef("seller_id"),
                                                                   period=OuterRef("period"))),
                  has_disputes=Exists(Dispute.objects.filter(statement_id=OuterRef("pk"))),
                  has_route=Exists(ApprovalStep.objects.all()),
                  # What the approve and adjust buttons ask (segregation of duties, a closed month).
                  adjusted_by_viewer=Exists(EarningLine.objects.filter(
                      statement_id=OuterRef("pk"), adjustment__created_by_id=access.membership.user_id)),
                  period_closed=Exists(Period.objects.filter(key=OuterRef("period"), status=Period.Status.CLOSED)))
        .order_by("-period")[:months]
    )
    if not rows or rows[0].pk != pk:
        return None, []
    return rows[0], rows


# --- the statement page: one window of deal groups, the totals over every line from SQL -------------

_ROW_LINE, _ROW_COMPONENT, _ROW_ANCHOR = 0, 1, 2
_LAST_PAGE = 10**6  # past any statement (100 million deals): a bigger number would overflow the OFFSET


def _deal_line_q() -> Q:
    """Lines that sit in a deal row (group_statement's rule: a deal and a deal kind)."""
    return Q(kind__in=DEAL_KINDS) & ~Q(deal_external_id="")


def _window_query(statement_id: int, number: int):
    """One query (UNION ALL of three parts) for page `number` of the statement's deal groups:

    * the lines of the page's deal groups and every line without a deal;
    * one row per component summing all the statement's deal lines, in the line columns' shapes:
      MIN(position) and MIN(id) (the component's order), SUM(amount), the count of its lines in
      `credit`, the count of the statement's deals in `opportunity_id`;
    * the "anchor" lines: the deal lines at each component's first position with an attainment
      before, last with an attainment after and last with a quota period (what the attainment and
      quota period of a subtotal are, in statement order).

    So the page reads the lines it shows, and what is over every line is summed by the database.
    """
    base = EarningLine.objects.filter(statement_id=statement_id).order_by()
    deal_lines = base.filter(_deal_line_q())
    lines = base
    if number:
        start = (number - 1) * DEALS_PER_PAGE
        # The deal order is the order of each deal's first line (statement order: position, id).
        page_deals = (deal_lines.values("deal_external_id").annotate(first=Min("position"), first_id=Min("id"))
                      .order_by("first", "first_id").values("deal_external_id")[start:start + DEALS_PER_PAGE])
        lines = base.filter(~_deal_line_q() | Q(deal_external_id__in=page_deals))
    fields = [*LINE_FIELDS, "row"]
    lines = lines.annotate(row=Value(_ROW_LINE)).values_list(*fields)

    def extreme(aggregate, has: Q):
        """Per component, the first (Min) or last (Max) position of the deal lines matching `has`."""
        return (deal_lines.filter(has).values("component")
                .annotate(p=aggregate("position")).values("p"))

    anchors = deal_lines.filter(
        Q(position__in=extreme(Min, Q(attainment_before__isnull=False)))
        | Q(position__in=extreme(Max, Q(attainment_after__isnull=False)))
        | Q(position__in=extreme(Max, ~Q(quota_period="")))
    ).annotate(row=Value(_ROW_ANCHOR), no_name=Value("")).values_list(  # no deal name: no join
        *["no_name" if f == "opportunity__name" else f for f in fields])
    decimal = DecimalField(max_digits=20, decimal_places=6)
    deals = Subquery(deal_lines.annotate(n=Func("deal_external_id", function="COUNT", template="COUNT(DISTINCT %(expressions)s)"))
                     .values("n")[:1])
    components = deal_lines.values("component").annotate(
        id_=Min("id"), position_=Min("position"), kind_=Value(""), deal_=Value(""), opportunity_=deals,
        name_=Value(""), credit_=Cast(Count("id"), decimal), quota_=Value(None, output_field=decimal),
        quota_period_=Value(""), before_=Value(None, output_field=decimal), after_=Value(None, output_field=decimal),
        rate_=Value(None, output_field=decimal), amount_=Sum("amount"), explanation_=Value(""),
        explain_=Value(None, output_field=TextField()), plan_=Value(""), credit_kind_=Value(""),
        adjustment_=Value(None, output_field=BigIntegerField()), row=Value(_ROW_COMPONENT),
    ).values_list("id_", "position_", "component", "kind_", "deal_", "opportunity_", "name_", "credit_", "quota_",
                  "quota_period_", "before_", "after_", "rate_", "amount_", "explanation_", "explain_", "plan_",
                  "credit_kind_", "adjustment_", "row")
    return fields, lines.union(components, anchors, all=True)


def _summary(component: dict, anchors: list[dict]) -> ComponentSummary:
    """A component's subtotal row with its first attainment before, last after and last quota period."""
    mine = [a for a in anchors if a["component"] == component["component"]]  # in statement order
    before = next((a["attainment_before"] for a in mine if a["attainment_before"] is not None), None)
    after = next((a["attainment_after"] for a in reversed(mine) if a["attainment_after"] is not None), None)
    period = next((a["quota_period"] for a in reversed(mine) if a["quota_period"]), "")
    return ComponentSummary(component["component"], component["amount"], before, after, period)


def window_number(page: str | None) -> int:
    """The page of deal groups a `page` parameter asks for: 0 for "all", else 1, 2, … (1 for anything else)."""
    return 0 if page == "all" else (int(page) if page and page.isdigit() and 1 <= int(page) <= _LAST_PAGE else 1)


def statement_window(*, statement: Statement, page: str | None) -> StatementWindow:
    """Page `page` ("1", "2", … or "all"; anything else is page 1) of the statement's deal groups,
    grouped as `group_statement` groups a whole statement, in one query whatever the line count
    (two for a page number past the end, which shows page 1)."""
    number = window_number(page)
    fields, query = _window_query(statement.pk, number)
    rows = sorted((dict(zip(fields, values, strict=True)) for values in query), key=lambda r: (r["position"], r["id"]))
    components = [r for r in rows if r["row"] == _ROW_COMPONENT]
    deal_count = components[0]["opportunity_id"] if components else 0
    if number > 1 and (number - 1) * DEALS_PER_PAGE >= deal_count:
        return statement_window(statement=statement, page="1")
    lines = []
    for row in rows:
        if row["row"] == _ROW_LINE:
            row["deal"] = row.pop("deal_external_id")
            row["deal_name"] = row.pop("opportunity__name") or row["deal"]
            lines.append(row)
    grouped = group_statement(lines, explain_line=line_explanation)
    order = [c["component"] for c in components]
    for deal in grouped.deals:
        deal.ordered = deal.cell_list(order)
    anchors = [r for r in rows if r["row"] == _ROW_ANCHOR]
    summaries = [_summary(c, anchors) for c in components]
    deals_total = sum((s.subtotal for s in summaries), ZERO)
    return StatementWindow(
        components=order, deals=grouped.deals, other=grouped.other, summaries=summaries,
        other_total=grouped.other_total, total=deals_total + grouped.other_total, number=number,
        deal_count=deal_count, all_deal_lines=sum(int(c["credit"]) for c in components), deals_total=deals_total,
    )
