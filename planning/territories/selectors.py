"""Reads for territory plans: inputs of the engine, evaluations with balance figures, dated ownership.

Contracts used by other parts (plain data, tenant in scope):
* ``potential_by_seller(*, as_of=None) -> dict[int, Decimal]`` (quota planning, issue 9 item 2);
* ``account_owner_on(account_id, date) -> int | None`` and ``account_owners_on(account_ids, date)``
  (the Perform pillar credits new deals to the owner on the deal's date).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from django.db.models import Max, Q, QuerySet, Sum

from planning.models import (
    Account,
    AccountAssignment,
    Quota,
    Territory,
    TerritoryMove,
    TerritoryOverride,
    TerritoryPlan,
)
from planning.selectors import visible_seller_ids
from planning.territories import engine
from spm.caching import cached_value
from spm.fiscal import months_in_period, quota_period_key
from spm.models import AuditEvent
from spm.tenancy.access import TenantAccess
from spm.tenancy.context import current_tenant

MAP_COLUMNS = ("id", "external_id", "region", "country", "industry", "employees", "annual_revenue", "potential",
               "latitude", "longitude", "name")
CENT = Decimal("0.01")
LIST_LIMIT = 200  # gaps/overlaps listed on a page (counts are always complete)


# --------------------------------------------------------------------------------------------
# Ownership on a date (published plans only: assignments are written by publishing)
# --------------------------------------------------------------------------------------------


def _active_on(day: dt.date) -> Q:
    return Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gte=day))


def account_owners_on(account_ids, day: dt.date) -> dict[int, int | None]:
    """{account id: owning seller id or None} on `day`, in one query."""
    ids = list(account_ids)
    owners: dict[int, int | None] = dict.fromkeys(ids)
    rows = AccountAssignment.objects.filter(_active_on(day), account_id__in=ids).values_list("account_id", "seller_id")
    owners.update(dict(rows))
    return owners


def account_owner_on(account_id: int, day: dt.date) -> int | None:
    """The seller who owns `account_id` on `day` under the published territory plans, or None."""
    return account_owners_on([account_id], day)[account_id]


def potential_by_seller(*, as_of: dt.date | None = None) -> dict[int, Decimal]:
    """{seller id: sum of the potential of the accounts they own on `as_of` (default today)}."""
    day = as_of or dt.date.today()
    rows = (AccountAssignment.objects.filter(_active_on(day), seller__isnull=False)
            .values("seller_id").annotate(total=Sum("account__potential")).values_list("seller_id", "total"))
    return {seller: Decimal(total or 0).quantize(CENT) for seller, total in rows}  # SQLite sums carry extra digits


# --------------------------------------------------------------------------------------------
# Plans and their territories, through the visibility rule
# --------------------------------------------------------------------------------------------


def plan_list() -> QuerySet[TerritoryPlan]:
    return TerritoryPlan.objects.select_related("scenario_of", "published_by").order_by("-created_at", "name")


def plan_get(pk) -> TerritoryPlan | None:
    return plan_list().filter(pk=pk).first()


def visible_territories(access: TenantAccess, plan: TerritoryPlan) -> QuerySet[Territory]:
    """The plan's territories the viewer may read: all for tenant-wide roles, a manager's subtree's."""
    qs = Territory.objects.filter(plan=plan).select_related("owner").order_by("precedence", "name")
    ids = visible_seller_ids(access)
    return qs if ids is None else qs.filter(owner_id__in=ids)


def territory_list(access: TenantAccess) -> QuerySet[Territory]:
    qs = Territory.objects.select_related("owner", "plan")
    ids = visible_seller_ids(access)
    return qs if ids is None else qs.filter(owner_id__in=ids)


# --------------------------------------------------------------------------------------------
# Engine inputs and evaluation
# --------------------------------------------------------------------------------------------


def accounts_frame() -> pd.DataFrame:
    """Every account of the tenant as an engine frame (one query)."""
    rows = Account.objects.order_by("id").values_list(*MAP_COLUMNS)
    return engine.accounts_frame(rows, MAP_COLUMNS)


def territory_specs(plan: TerritoryPlan) -> list[engine.TerritorySpec]:
    specs = []
    for t in Territory.objects.filter(plan=plan).order_by("precedence", "id"):
        try:
            rules = engine.parse_rules(t.rules)
        except engine.RuleError:
            rules = {}  # saved rules are validated by the service; a legacy bad row matches nothing
        specs.append(engine.TerritorySpec(id=t.pk, name=t.name, rules=rules, precedence=t.precedence, owner_id=t.owner_id))
    return specs


def unknown_account_ids(external_ids: list[str]) -> list[str]:
    """The external ids among `external_ids` that no account of the tenant has (in the given order)."""
    known = set(Account.objects.filter(external_id__in=external_ids).values_list("external_id", flat=True))
    return [e for e in external_ids if e not in known]


def plan_overrides(plan: TerritoryPlan) -> dict[int, int]:
    return dict(TerritoryOverride.objects.filter(plan=plan).values_list("account_id", "territory_id"))


def plan_year_key(plan: TerritoryPlan) -> str:
    day = plan.effective_from or dt.date.today()
    return quota_period_key(day, "year", current_tenant().fiscal_year_start_month)


def annual_quotas(year_key: str, measure: str = "bookings") -> dict[int, Decimal]:
    """{seller id: quota for the fiscal year}: the year quota, else the sum of its quarters, else months."""
    fy = current_tenant().fiscal_year_start_month
    months = set(months_in_period(year_key, fy))
    quarters = {f"{year_key}-Q{q}" for q in range(1, 5)}
    by_kind: dict[str, dict[int, Decimal]] = {"year": defaultdict(Decimal), "quarter": defaultdict(Decimal),
                                              "month": defaultdict(Decimal)}
    rows = Quota.objects.filter(measure=measure, period__in=[year_key, *quarters, *months]).values_list(
        "seller_id", "period", "amount")
    for seller, period, amount in rows:
        kind = "year" if period == year_key else "quarter" if period in quarters else "month"
        by_kind[kind][seller] += amount
    out: dict[int, Decimal] = {}
    for kind in ("month", "quarter", "year"):  # the coarsest key a seller has wins
        out.update(by_kind[kind])
    return out


@dataclass
class PlanEvaluation:
    plan: TerritoryPlan
    accounts: pd.DataFrame
    specs: list[engine.TerritorySpec]
    evaluation: engine.Evaluation
    balance: pd.DataFrame
    fairness: dict[str, float]
    seller_potential: dict[int, float]
    year_key: str
    gaps: list[dict] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)

    @property
    def short(self) -> pd.DataFrame:
        # .astype(bool): a plan with no territory has an empty object column, which pandas would
        # read as a list of column labels (no columns left) instead of a row mask.
        return self.balance[self.balance["short"].astype(bool)]

    def summary(self) -> dict:
        return {"accounts": len(self.accounts), "assigned": int((self.evaluation.territory != engine.NONE).sum()),
                "gaps": len(self.evaluation.gaps), "overlaps": len(self.evaluation.overlaps),
                "potential": round(float(self.accounts["potential"].sum()), 2),
                "cv": round(self.fairness["cv"], 4), "gini": round(self.fairness["gini"], 4),
                "short_territories": self.short["name"].tolist(), "year": self.year_key}


def plan_evaluation(plan: TerritoryPlan, *, frame: pd.DataFrame | None = None,
                    annual: dict[int, Decimal] | None = None) -> PlanEvaluation:
    """Evaluate the plan's rules and overrides over every account, with balance figures.
    ``annual``: ``annual_quotas`` of the plan's year when the caller has read them already."""
    frame = accounts_frame() if frame is None else frame
    specs = territory_specs(plan)
    ev = engine.evaluate(frame, specs, plan_overrides(plan))
    year_key = plan_year_key(plan)
    quotas = {k: float(v) for k, v in (annual_quotas(year_key) if annual is None else annual).items()}
    balance = engine.territory_balance(frame, ev, specs, quotas)
    per_seller = engine.seller_potential(balance)
    result = PlanEvaluation(plan=plan, accounts=frame, specs=specs, evaluation=ev, balance=balance,
                            fairness=engine.fairness(list(per_seller.values())), seller_potential=per_seller,
                            year_key=year_key)
    by_id = frame.set_index("id")
    for account_id in ev.gaps[:LIST_LIMIT]:
        row = by_id.loc[account_id]
        result.gaps.append({"id": account_id, "external_id": row["external_id"], "name": row["name"],
                            "region": row["region"], "industry": row["industry"], "potential": row["potential"]})
    names = {s.id: s.name for s in specs}
    for account_id, tied in list(ev.overlaps.items())[:LIST_LIMIT]:
        row = by_id.loc[account_id]
        result.overlaps.append({"id": account_id, "external_id": row["external_id"], "name": row["name"],
                                "territories": [names[t] for t in tied], "potential": row["potential"]})
    return result


def short_territories(plan: TerritoryPlan) -> list[tuple[str, int | None]]:
    """``(name, owner id)`` of the plan's territories short of their owners' quotas today: a whole
    evaluation of every account, cached per tenant, plan, the year's quotas (read each time: one
    query) and the newest audit event — accounts, territories and overrides change through audited
    writes (an import records one too)."""
    year_key = plan_year_key(plan)
    annual = annual_quotas(year_key)
    version = (AuditEvent.objects.aggregate(m=Max("id"))["m"], year_key, tuple(sorted(annual.items())))
    return cached_value("territories:short", (current_tenant().pk, plan.pk, version), lambda: [
        (r["name"], r["owner"]) for _, r in plan_evaluation(plan, annual=annual).short.iterrows()])


def plan_moves(plan: TerritoryPlan) -> QuerySet[TerritoryMove]:
    return TerritoryMove.objects.filter(plan=plan).select_related(
        "account", "from_territory", "to_territory", "decided_by").order_by("position")
