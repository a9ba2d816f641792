"""Plan editor preview: run a draft plan document on the last closed period, through the engine,
and show the payout change per seller and in total before anything is published."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import TYPE_CHECKING

from compensation.engine import EngineError, PlanValidationError, calculate, parse_plan_document
from compensation.models import Statement
from compensation.services.calculation import load_engine_input
from planning.selectors import seller_list
from spm.services import closed_periods

if TYPE_CHECKING:
    from compensation.models import CompPlan
    from spm.tenancy.access import TenantAccess

ZERO = Decimal("0.00")


@dataclasses.dataclass
class Preview:
    period: str
    rows: list[dict]  # seller, name, before, after, change
    before: Decimal = ZERO
    after: Decimal = ZERO

    @property
    def change(self) -> Decimal:
        return self.after - self.before


def preview_period() -> str | None:
    """The last closed month, or (none closed yet) the latest month with a statement."""
    closed = sorted(p for p in closed_periods() if len(p) == 7)
    if closed:
        return closed[-1]
    return Statement.objects.order_by("-period").values_list("period", flat=True).first()


def parse_document_text(text: str) -> tuple[dict | None, list[str]]:
    """JSON text → (document, errors): syntax errors and every plan-document error, by path."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
    if not isinstance(document, dict):
        return None, ["JSON: a plan document is an object {…}"]
    try:
        parse_plan_document(document, storable=True)
    except PlanValidationError as exc:
        return document, [f"{path}: {message}" for path, message in exc.field_errors]
    return document, []


def plan_preview(*, plan: CompPlan, document: dict, access: TenantAccess, period: str | None = None) -> Preview | None:
    """Payout per seller assigned to `plan` in `period` (default: the last closed month) with the
    plan as it is and with `document` instead; None when there is no period to preview on.
    Raises PlanValidationError for an invalid document and EngineError for unusable inputs."""
    period = period or preview_period()
    if period is None:
        return None
    draft = parse_plan_document(document)
    inp, lookups = load_engine_input(period_from=period, period_through=period)
    key = str(plan.pk)
    sellers = {a.seller for a in inp.assignments if a.plan == key}
    before = calculate(inp)
    after = calculate(dataclasses.replace(inp, plans={**inp.plans, key: draft}))

    def totals(result) -> dict:
        out: dict = {}
        for line in result.lines:
            if line.period == period:
                out[line.seller] = out.get(line.seller, ZERO) + Decimal(line.amount)
        return out

    b, a = totals(before), totals(after)
    affected = sellers | {s for s in set(b) | set(a) if b.get(s, ZERO) != a.get(s, ZERO)}
    names = dict(seller_list(access=access).filter(external_id__in=[str(s) for s in affected])
                 .values_list("external_id", "name"))
    rows = []
    for s in sorted(affected, key=str):
        rows.append({"seller": s, "name": names.get(s, s), "before": b.get(s, ZERO), "after": a.get(s, ZERO),
                     "change": a.get(s, ZERO) - b.get(s, ZERO)})
    return Preview(period=period, rows=rows, before=sum((r["before"] for r in rows), ZERO),
                   after=sum((r["after"] for r in rows), ZERO))


__all__ = ["EngineError", "Preview", "parse_document_text", "plan_preview", "preview_period"]
