"""Demo: every demo tenant gets a published territory plan that account ownership really comes from.

acme's generator already drew one territory per team manager (region × segment); two teams of
the same region and segment get named-account lists, so the rules decide every account without
an overlap. globex (the CRM export) has no territories: one per sales manager, the export's
sectors dealt out in turn. Account potential is sized from annual revenue so the whole book
covers 2.5× the owners' annual quota; the territory with the least coverage is kept below its
owner's quota, so the plan is published through the audited override with a reason (issue 9,
item 4) and the page shows the flag.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from planning.models import Account, Seller, Territory, TerritoryPlan
from planning.territories.importer import accounts_import
from planning.territories.selectors import plan_evaluation
from planning.territories.services import territory_plan_create, territory_plan_publish, territory_save
from spm.fiscal import parse_period_key, quota_period_key
from spm.models import Tenant
from spm.tenancy.db import tenant_atomic

COVERAGE = 2.5  # total potential / total annual quota of the owners
SHORT_COVERAGE = Decimal("0.8")  # the territory kept under plan


def demo_territories(tenant: Tenant, *, today: dt.date, actor=None) -> str:
    """Build, size and publish the tenant's territory plan from the start of this fiscal year."""
    with tenant_atomic(tenant):
        fy = tenant.fiscal_year_start_month
        start = parse_period_key(quota_period_key(today, "year", fy), fy)[0]
        if TerritoryPlan.objects.filter(status=TerritoryPlan.Status.PUBLISHED).exists():
            return "a territory plan is already published"
        plan = TerritoryPlan.objects.filter(status=TerritoryPlan.Status.DRAFT).order_by("created_at").first()
        if plan is None:
            plan = territory_plan_create(name=f"Territories {today.year}", actor=actor,
                                         description="One territory per sales manager, sectors dealt out in turn.")
        if not Territory.objects.filter(plan=plan).exists():
            _sector_territories(plan, actor)
        _name_shared_groups(plan, actor)
        short = _size_potential(plan, actor, start)
        plan = territory_plan_publish(
            plan=plan, effective_from=start, actor=actor,
            override_reason=f"Demo: {short} is knowingly below its owner's quota this year (new market, quota "
                            "kept for the team's other accounts)." if short else "")
        return (f"territory plan {plan.name!r} published from {start}: {plan.summary['assigned']:,} of "
                f"{plan.summary['accounts']:,} accounts assigned; short of quota: "
                f"{', '.join(plan.summary['short_territories']) or 'none'}")


def _sector_territories(plan: TerritoryPlan, actor) -> None:
    managers = list(Seller.objects.filter(role_type=Seller.RoleType.MANAGER, reports__role_type="AE").distinct()
                    .order_by("external_id"))
    industries = sorted(set(Account.objects.exclude(industry="").values_list("industry", flat=True)))
    if not managers or not industries:
        return
    dealt: dict[int, list[str]] = defaultdict(list)
    for i, industry in enumerate(industries):
        dealt[i % len(managers)].append(industry)
    for i, manager in enumerate(managers):
        if dealt[i]:
            territory_save(plan=plan, name=f"{manager.region or manager.name} – {', '.join(dealt[i])}"[:200],
                           rules={"industries": dealt[i]}, owner=manager, region=manager.region, actor=actor)


def _name_shared_groups(plan: TerritoryPlan, actor) -> None:
    """Territories with identical rules split their accounts by named lists (the generator's deal)."""
    groups: dict[str, list[Territory]] = defaultdict(list)
    for t in Territory.objects.filter(plan=plan).order_by("id"):
        groups[repr(sorted((k, v) for k, v in t.rules.items() if k != "accounts"))].append(t)
    for territories in groups.values():
        if len(territories) < 2:
            continue
        for t in territories:
            named = list(Account.objects.filter(territory=t).order_by("external_id").values_list("external_id", flat=True))
            if named:
                territory_save(plan=plan, territory=t, name=t.name, rules={**t.rules, "accounts": named}, owner=t.owner,
                               region=t.region, precedence=t.precedence, actor=actor)


def _size_potential(plan: TerritoryPlan, actor, start: dt.date) -> str:
    """Potential ∝ annual revenue, COVERAGE × the owners' quota overall; the least-covered territory
    at SHORT_COVERAGE of its quota. Returns that territory's name ('' when no owner has a quota)."""
    plan.effective_from = start
    result = plan_evaluation(plan)
    balance = result.balance
    with_quota = balance[balance["quota"].notna() & (balance["accounts"] > 0)]
    if with_quota.empty:
        return ""
    assignment = result.evaluation.assignment()
    revenue = dict(Account.objects.values_list("id", "annual_revenue"))
    names = dict(Account.objects.values_list("id", "name"))
    externals = dict(Account.objects.values_list("id", "external_id"))
    total_revenue = sum((revenue[a] or Decimal(0)) for a in assignment)
    rate = Decimal(str(COVERAGE)) * Decimal(str(with_quota["quota"].sum())) / (total_revenue or Decimal(1))
    potential = {a: ((revenue[a] or Decimal(0)) * rate).quantize(Decimal("0.01")) for a in revenue}
    weakest = with_quota.assign(cov=[
        sum(potential[a] for a, t in assignment.items() if t == row.territory) / Decimal(str(row.quota))
        for row in with_quota.itertuples()]).sort_values(["cov", "territory"]).iloc[0]
    members = [a for a, t in assignment.items() if t == weakest["territory"]]
    current = sum(potential[a] for a in members)
    if current:
        scale = SHORT_COVERAGE * Decimal(str(weakest["quota"])) / current
        for a in members:
            potential[a] = (potential[a] * scale).quantize(Decimal("0.01"))
    report = accounts_import(records=[{"external_id": externals[a], "name": names[a], "potential": str(p)}
                                      for a, p in sorted(potential.items())], actor=actor, source="demo potential")
    if not report.ok:
        raise ValueError(f"demo potential: {report.errors[0]}")
    return str(weakest["name"])
