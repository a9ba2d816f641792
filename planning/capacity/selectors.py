"""Reads of capacity scenarios, and the scenario → engine input (recomputed, never cached)."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, QuerySet

from planning.capacity import engine
from planning.capacity.models import CapacityRosterMember, CapacityScenario
from planning.models import Quota
from spm.caching import cached_value
from spm.tenancy.access import TenantAccess
from spm.tenancy.context import current_tenant


def capacity_scenario_list() -> QuerySet[CapacityScenario]:
    """Every scenario of the tenant in scope, with roster sizes (one query)."""
    return CapacityScenario.objects.select_related("copied_from").annotate(roster_size=Count("roster"))


def capacity_scenario_get(*, pk: int) -> CapacityScenario | None:
    return CapacityScenario.objects.filter(pk=pk).first()


def roster_list(*, scenario: CapacityScenario, access: TenantAccess | None = None) -> list[CapacityRosterMember]:
    """The roster; a viewer who is not tenant-wide sees their visible sellers only (no hypotheticals)."""
    from planning.selectors import visible_seller_ids

    qs = scenario.roster.select_related("seller")
    ids = visible_seller_ids(access) if access is not None else None
    if ids is not None:
        qs = qs.filter(seller_id__in=ids)
    return list(qs)


def _dec_str(value) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def scenario_document(scenario: CapacityScenario, roster: list[CapacityRosterMember] | None = None) -> dict:
    """The scenario in the file format of `python manage.py capacity` (roster ids: member ids)."""
    roster = list(scenario.roster.all()) if roster is None else roster
    doc: dict = {
        "year": scenario.year,
        "target": _dec_str(scenario.target),
        "over_assignment": _dec_str(scenario.over_assignment),
        "attrition": _dec_str(scenario.attrition),
        "replace_attrition": scenario.replace_attrition,
        "fiscal_year_start_month": current_tenant().fiscal_year_start_month,
        "segments": scenario.segments,
        "hires": scenario.hires,
        "roster": [
            {
                "id": str(m.pk) if m.pk else f"new-{i}",  # unsaved rows (validation before save)
                "segment": m.segment,
                "hire_date": m.hire_date.isoformat() if m.hire_date else None,
                "end_date": m.end_date.isoformat() if m.end_date else None,
                **({"target_incentive": _dec_str(m.target_incentive)} if m.target_incentive is not None else {}),
            }
            for i, m in enumerate(roster)
        ],
    }
    if scenario.gap_segment:
        doc["gap_hires"] = {"segment": scenario.gap_segment,
                            "start": scenario.gap_start or f"{scenario.year:04d}-{doc['fiscal_year_start_month']:02d}"}
    return doc


def scenario_input(scenario: CapacityScenario, roster: list[CapacityRosterMember] | None = None) -> engine.ScenarioInput:
    """Stored scenarios were validated on write; a parse error here is a bug, so it propagates."""
    return engine.parse_scenario(scenario_document(scenario, roster))


def scenario_result(scenario: CapacityScenario) -> tuple[engine.ScenarioInput, engine.CapacityResult]:
    inp = scenario_input(scenario)
    return inp, engine.compute(inp)


def seller_capacity(inp: engine.ScenarioInput, roster: list[CapacityRosterMember]) -> dict[int, Fraction]:
    """Reachable annual capacity per roster member id (ramp, hire and end dates; no attrition)."""
    by_id = {m.id: m for m in inp.roster}
    return {m.pk: sum(engine.member_monthly_capacity(inp, by_id[str(m.pk)]), Fraction(0)) for m in roster}


def quotas_out_of_line(*, scenario: CapacityScenario, measure: str = "bookings") -> list[dict]:
    """Sellers whose quota for the scenario's year exceeds their reachable capacity × (1 + over-assignment).

    The year quota is the sum of the year's month quotas, else the year key, else the sum of the
    year's quarter quotas. This is what "the connection" shows after the target or the scenario changes, and what
    publishing refuses without an override.
    """
    fy = current_tenant().fiscal_year_start_month
    members = list(scenario.roster.select_related("seller"))
    roster = [m for m in members if m.seller_id]
    if not roster:
        return []
    doc = scenario_document(scenario, members)
    # Each member's reachable capacity (ramp, hire and end dates month by month, in exact fractions)
    # is a pure function of the scenario document: cached by it, not recomputed on every quota page.
    caps = cached_value("capacity:caps", (current_tenant().pk, doc, tuple(m.pk for m in roster)),
                        lambda: seller_capacity(engine.parse_scenario(doc), roster))
    months = {f"{y:04d}-{m:02d}" for y, m in engine.plan_months(scenario.year, fy)}
    year_key = f"{scenario.year:04d}"
    quarters = {f"{year_key}-Q{i}" for i in range(1, 5)}
    monthly: dict[int, Decimal] = defaultdict(Decimal)
    quarterly: dict[int, Decimal] = defaultdict(Decimal)
    yearly: dict[int, Decimal] = {}
    for seller_id, period, amount in Quota.objects.filter(
        seller_id__in=[m.seller_id for m in roster], measure=measure, period__in=months | quarters | {year_key}
    ).values_list("seller_id", "period", "amount"):
        if period == year_key:
            yearly[seller_id] = amount
        elif period in quarters:
            quarterly[seller_id] += amount
        else:
            monthly[seller_id] += amount
    stretch = 1 + Fraction(scenario.over_assignment)
    out = []
    for m in roster:
        # Quarter rows alone (a scenario file's `2027-Q1`) count as the quota grid's year shows them.
        quota = monthly.get(m.seller_id) or yearly.get(m.seller_id) or quarterly.get(m.seller_id)
        if quota is None:
            continue
        reachable = caps[m.pk] * stretch
        if Fraction(quota) > reachable:
            out.append({"seller_id": m.seller_id, "name": m.name, "quota": quota,
                        "reachable": engine.money(reachable), "excess": quota - engine.money(reachable)})
    return out
