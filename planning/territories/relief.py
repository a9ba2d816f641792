"""Quota relief offered by a territory plan (issue 9, item 2): reads and the one write.

* ``plan_relief(plan, *, result=None) -> list[dict]``: the relief proposals of a plan. For a draft
  (its accepted balancer moves are overrides, so they are included) the current ownership under the
  published plan (open-ended assignments) is compared with ownership under the draft, from
  ``relief_date(plan)``; for a published plan, ownership the day before its effective date with what it assigned.
  Each row: the pair, accounts and potential moved, the share (``planning.quotas.relief``), the month,
  the quota that would move (the losing seller's month quotas from that month to the fiscal year
  end × share, cent-rounded as ``quota_relief`` does) and whether it was already applied.
* ``plan_relief_apply(*, plan, from_seller_id, to_seller_id, actor)``: applies one row through
  ``planning.quotas.services.quota_relief`` (audited quota.relief). Refuses (nothing written) a pair
  the plan does not propose, one already applied for that pair and month, and one with no month
  quota to move.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from planning.models import Account, AccountAssignment, Quota, Seller, TerritoryPlan
from planning.quotas.relief import AccountMove, propose_relief
from planning.quotas.selectors import year_months
from planning.quotas.services import quota_relief
from planning.territories.selectors import _active_on, plan_evaluation
from spm.errors import ConflictError, DomainError
from spm.fiscal import quota_period_key
from spm.models import AuditEvent
from spm.tenancy.context import current_tenant

CENT = Decimal("0.01")


def _owners_on(day: dt.date) -> dict[int, int | None]:
    return dict(AccountAssignment.objects.filter(_active_on(day)).values_list("account_id", "seller_id"))


def _totals(owners: dict[int, int | None], potential: dict[int, Decimal]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for account, seller in owners.items():
        if seller is not None:
            totals[seller] = totals.get(seller, Decimal(0)) + potential.get(account, Decimal(0))
    return totals


def relief_date(plan: TerritoryPlan) -> dt.date:
    """The plan's effective date; for a draft without one, today or, when later, the day the
    current published territories took effect."""
    if plan.effective_from:
        return plan.effective_from
    latest = AccountAssignment.objects.order_by("-effective_from").values_list("effective_from", flat=True).first()
    return max(dt.date.today(), latest) if latest else dt.date.today()


def _moves(plan: TerritoryPlan, result, potential: dict[int, Decimal]):
    """(owners before, owners after) as {account: seller}, or None for a plan that offers no relief."""
    if plan.status == TerritoryPlan.Status.DRAFT:
        before = dict(AccountAssignment.objects.filter(effective_to__isnull=True).values_list("account_id", "seller_id"))
        result = result if result is not None else plan_evaluation(plan)
        owner_of = {s.id: s.owner_id for s in result.specs}
        after = {a: owner_of.get(t) for a, t in result.evaluation.assignment().items()}
        return before, after
    if plan.status == TerritoryPlan.Status.PUBLISHED and plan.effective_from:
        before = _owners_on(plan.effective_from - dt.timedelta(days=1))
        after = dict(AccountAssignment.objects.filter(plan=plan, effective_from=plan.effective_from)
                     .values_list("account_id", "seller_id"))
        return before, after
    return None


def _applied(proposals) -> set[tuple[int, int | None, str]]:
    ids = {str(p.from_seller) for p in proposals}
    done = set()
    if not ids:
        return done
    rows = AuditEvent.objects.filter(action="quota.relief", object_type="planning.seller",
                                     object_id__in=ids).values_list("object_id", "after")
    for seller, after in rows:
        after = after or {}
        done.add((int(seller), after.get("to_seller"), after.get("from")))
    return done


def _quota_moved(proposals, measure: str = "bookings") -> dict[tuple[int, int | None], Decimal]:
    if not proposals:
        return {}
    fy = current_tenant().fiscal_year_start_month
    months_of = {}
    for p in proposals:
        year = int(quota_period_key(dt.date(int(p.month[:4]), int(p.month[5:]), 1), "year", fy))
        months_of[p.month] = [k for k in year_months(year) if k >= p.month]
    every = {k for ks in months_of.values() for k in ks}
    amounts: dict[int, dict[str, Decimal]] = {}
    for seller, period, amount in Quota.objects.filter(
            seller_id__in={p.from_seller for p in proposals}, measure=measure, period__in=every).values_list(
            "seller_id", "period", "amount"):
        amounts.setdefault(seller, {})[period] = amount
    out = {}
    for p in proposals:
        mine = amounts.get(p.from_seller, {})
        out[(p.from_seller, p.to_seller)] = sum(
            ((mine[k] * p.share).quantize(CENT, rounding=ROUND_HALF_UP) for k in months_of[p.month] if k in mine),
            Decimal(0))
    return out


def plan_relief(plan: TerritoryPlan, *, result=None) -> list[dict]:
    """The plan's relief proposals as rows (see the module docstring); a handful of queries."""
    potential = dict(Account.objects.values_list("id", "potential"))
    pair = _moves(plan, result, potential)
    if pair is None:
        return []
    before, after = pair
    moves = [AccountMove(a, seller, after.get(a), potential.get(a, Decimal(0)))
             for a, seller in before.items() if seller is not None and after.get(a) != seller]
    proposals = propose_relief(moves, _totals(before, potential), relief_date(plan))
    if not proposals:
        return []
    names = dict(Seller.objects.filter(pk__in={p.from_seller for p in proposals}
                                       | {p.to_seller for p in proposals if p.to_seller}).values_list("id", "name"))
    applied = _applied(proposals)
    moved = _quota_moved(proposals)
    return [{"from_seller": p.from_seller, "from_name": names.get(p.from_seller, str(p.from_seller)),
             "to_seller": p.to_seller, "to_name": names.get(p.to_seller, "unassigned") if p.to_seller else "unassigned",
             "accounts": p.accounts, "potential": p.potential.quantize(CENT), "total_potential": p.total_potential.quantize(CENT),
             "share": p.share, "month": p.month, "quota_moved": moved[(p.from_seller, p.to_seller)],
             "applied": (p.from_seller, p.to_seller, p.month) in applied}
            for p in proposals]


def plan_relief_apply(*, plan: TerritoryPlan, from_seller_id: int, to_seller_id: int | None, actor) -> dict:
    """Apply one proposed relief row of `plan` (see the module docstring). Returns quota_relief's result
    with the row. Errors: DomainError(field="from_seller") for a pair not proposed or nothing to move;
    ConflictError(field="from_seller") when already applied for that pair and month."""
    with transaction.atomic():
        seller = Seller.objects.select_for_update().filter(pk=from_seller_id).first()
        row = next((r for r in plan_relief(plan) if r["from_seller"] == from_seller_id
                    and r["to_seller"] == (to_seller_id or None)), None)
        if seller is None or row is None:
            raise DomainError(f"from_seller: plan {plan.name!r} proposes no quota relief from seller {from_seller_id} "
                              f"to {to_seller_id or 'unassigned'}", field="from_seller")
        if row["applied"]:
            raise ConflictError(f"from_seller: relief from {row['from_name']} to {row['to_name']} from {row['month']} "
                                "was already applied", field="from_seller")
        if not row["quota_moved"]:
            raise DomainError(f"from_seller: {row['from_name']} has no month quota from {row['month']} to move",
                              field="from_seller")
        to_seller = Seller.objects.get(pk=to_seller_id) if to_seller_id else None
        reason = (f"Territory plan {plan.name}: {row['accounts']} account(s), {row['potential']} potential "
                  f"({row['share']} of {row['total_potential']}) moved to {row['to_name']}")
        result = quota_relief(seller=seller, to_seller=to_seller, effective_from=row["month"], share=row["share"],
                              reason=reason, actor=actor)
    return {**result, "row": row}
