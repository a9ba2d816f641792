"""Builders shared by the engine tests (plain module, imported by basename)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from compensation.engine import Assignment, Deal, EngineInput, parse_plan_document

D = Decimal


def commission(name="New business", *, tiers=(("1.0", "0.10"), (None, "0.15")), period="quarter",
               method="marginal", basis="credit", quota=True, **extra):
    comp = {"name": name, "type": "commission", "measure": extra.pop("measure", {}),
            "quota": {"measure": "bookings", "period": period} if quota else None,
            "basis": basis, "method": method,
            "tiers": [({"upto": u} if u is not None else {}) | {"rate": r} for u, r in tiers]}
    comp.update(extra)
    return comp


def plan(*components, currency="USD", **extra):
    return parse_plan_document({"name": "Plan", "currency": currency, "components": list(components), **extra})


def deal(key, owner, amount, d, deal_type="new_logo", currency="USD", splits=()):
    return Deal(key=key, owner=owner, amount=D(str(amount)), currency=currency, close_date=d,
                deal_type=deal_type, splits=tuple((s, D(str(p))) for s, p in splits))


def assign(seller, plan_key="p", start=date(2027, 1, 1), end=None, ti=0):
    return Assignment(seller=seller, plan=plan_key, start=start, end=end, target_incentive=D(str(ti)))


def engine_input(plans, assignments, deals, quotas=None, *, managers=None, period_from="2027-01",
                 period_through="2027-12", fy=1, **extra):
    if not isinstance(plans, dict):
        plans = {"p": plans}
    sellers = {a.seller for a in assignments}
    return EngineInput(fy_start_month=fy, base_currency="USD",
                       managers=managers if managers is not None else dict.fromkeys(sellers),
                       plans=plans, assignments=assignments,
                       quotas={k: D(str(v)) for k, v in (quotas or {}).items()}, deals=deals,
                       period_from=period_from, period_through=period_through, **extra)


def amounts(result, **filters):
    return [ln.amount for ln in result.lines if all(getattr(ln, k) == v for k, v in filters.items())]
