"""The earnings estimator: "if this deal closes for X on date Y, you earn Z".

Computed by the calculation engine itself (`compensation.engine.calculate`) on the tenant's real
inputs plus the hypothetical close, so the estimate follows every plan rule (tiers, caps, SPIFs,
splits, FX, draws) and any change to the engine. Nothing is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from compensation.engine import Deal, EngineError, PlanValidationError, calculate, month_key
from compensation.services.calculation import load_engine_input
from spm.errors import DomainError

if TYPE_CHECKING:
    from performance.models import Opportunity
    from planning.models import Seller

ZERO = Decimal("0.00")
EARNING_KINDS = ("commission", "spif")


@dataclass
class Estimate:
    deal: str
    seller_id: int
    seller_name: str
    amount: Decimal
    currency: str
    close_date: dt.date
    earnings: Decimal = ZERO  # what this deal itself pays the seller (commission + SPIF lines)
    month_change: Decimal = ZERO  # change of the seller's whole month (includes draw effects)
    plan_currency: str = ""
    lines: list[dict] = field(default_factory=list)
    note: str = ""  # why the estimate is nothing, when the reason is not in the lines (no plan that day)

    @property
    def period(self) -> str:
        return month_key(self.close_date)


def _subtree(managers: dict, root) -> set:
    children: dict = {}
    for seller, manager in managers.items():
        children.setdefault(manager, []).append(seller)
    out, stack = set(), [root]
    while stack:
        s = stack.pop()
        if s in out:
            continue
        out.add(s)
        stack.extend(children.get(s, ()))
    return out


def _parse(amount, close_date) -> tuple[Decimal, dt.date]:
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise DomainError(f"amount: {amount!r} is not a number", field="amount") from None
    if not amount.is_finite() or amount <= 0:
        raise DomainError("amount: must be a positive number", field="amount")
    if isinstance(close_date, str):
        try:
            close_date = dt.date.fromisoformat(close_date)
        except ValueError:
            raise DomainError(f"close_date: {close_date!r} is not a date (YYYY-MM-DD)", field="close_date") from None
    if not isinstance(close_date, dt.date):
        raise DomainError("close_date: a close date is needed", field="close_date")
    return amount.quantize(Decimal("0.01")), close_date


def earnings_estimate(*, opportunity: Opportunity, seller: Seller | None = None, amount=None,
                      close_date=None) -> Estimate:
    """What `seller` (default: the deal's owner) would earn if `opportunity` closed won for `amount`
    (default: its amount, in the deal's currency) on `close_date` (default: its close date).

    The tenant in scope's plans, quotas, assignments, splits and other deals are read as the
    calculation reads them; the deal is added as closed won and the engine rates the month. Errors:
    DomainError on a bad amount or date, or when the engine refuses the inputs (missing FX rate).
    """
    seller = seller or opportunity.owner
    amount, close_date = _parse(amount if amount is not None else opportunity.amount,
                                close_date if close_date is not None else opportunity.close_date)
    period = month_key(close_date)
    inp, lookups = load_engine_input(period_from=period, period_through=period)
    ext = {pk: key for key, pk in lookups["seller_ids"].items()}
    me = ext[seller.pk]
    # Only the seller's subtree can change the seller's pay (roll-ups), so only their deals are rated.
    relevant = _subtree(dict(inp.managers), me)
    splits = tuple(sorted((ext[s.seller_id], s.pct / 100) for s in opportunity.splits.all()))
    hypothetical = Deal(key=opportunity.external_id, owner=ext[opportunity.owner_id], amount=amount,
                        currency=opportunity.currency, close_date=close_date, deal_type=opportunity.deal_type,
                        splits=splits)

    def involved(d: Deal) -> bool:
        return d.owner in relevant or any(s in relevant for s, _ in d.splits)

    others = [d for d in inp.deals if d.key != hypothetical.key and involved(d)]
    base = dataclasses.replace(
        inp, deals=others, assignments=[a for a in inp.assignments if a.seller in relevant],
        adjustments=[a for a in inp.adjustments if a.seller == me],
    )
    with_deal = dataclasses.replace(base, deals=sorted([*others, hypothetical], key=lambda d: d.key))
    try:
        before = calculate(base)
        after = calculate(with_deal)
    except (EngineError, PlanValidationError) as exc:
        raise DomainError(f"The estimate cannot be computed: {exc}") from exc

    def month_total(result) -> Decimal:
        return sum((Decimal(line.amount) for line in result.lines if line.seller == me and line.period == period), ZERO)

    estimate = Estimate(deal=opportunity.external_id, seller_id=seller.pk, seller_name=seller.name, amount=amount,
                        currency=opportunity.currency, close_date=close_date)
    for line in after.lines:
        if line.seller == me and line.deal == hypothetical.key and line.kind in EARNING_KINDS:
            estimate.earnings += Decimal(line.amount)
            estimate.plan_currency = lookups["plan_currency"].get(line.plan, "") or estimate.plan_currency
            estimate.lines.append({"component": line.component, "kind": line.kind, "amount": Decimal(line.amount),
                                   "attainment_before": line.attainment_before,
                                   "attainment_after": line.attainment_after, "explanation": line.explanation})
    estimate.month_change = month_total(after) - month_total(before)
    if not any(a.seller == me and a.start <= close_date and (a.end is None or close_date <= a.end)
               for a in inp.assignments):
        estimate.note = (f"No comp plan covers {seller.name} on {close_date.isoformat()}: a deal closing then "
                         "pays them nothing.")
    if not estimate.plan_currency:
        plans = [a.plan for a in inp.assignments if a.seller == me]
        estimate.plan_currency = lookups["plan_currency"].get(plans[-1], "") if plans else ""
    return estimate
