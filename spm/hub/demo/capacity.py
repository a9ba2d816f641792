"""The demo tenants' plan of record: a published capacity scenario and quota set per fiscal year
that has quotas, so the quotas Pay reads come from capacity (not from each rep's actual bookings).

Per year: segments are the sellers' segments, each with the productivity of a fully ramped seller
= the tenant's closed-won bookings per quota-carrying seller-year over the data's months, and a
3-month ramp; the roster is the tenant's sellers (tenure from their hire dates), with target
incentives from their plan assignments; the target is the roster's capacity rounded down to
100,000 with 10 % over-assignment. The quota set allocates by ramp-adjusted capacity and is
published over the imported quotas (with an audited reason); managers then carry their team's sum.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.db.models import Sum

from performance.models import Opportunity
from planning.capacity import services as capacity_services
from planning.capacity.selectors import scenario_result
from planning.models import Quota, Seller
from planning.quotas import services as quota_services
from spm.hub.quota_planning import target_incentives_by_seller
from spm.tenancy.db import tenant_atomic

RAMP_MONTHS = 3
REASON = "Demo set-up: capacity-based quotas replace the imported bookings-based ones"


def _years() -> list[int]:
    keys = Quota.objects.values_list("period", flat=True).distinct()
    return sorted({int(k[:4]) for k in keys})


def _productivity(segment_names: list[str]) -> list[dict]:
    won = Opportunity.objects.filter(is_won=True, close_date__isnull=False)
    months = {(d.year, d.month) for d in won.values_list("close_date", flat=True)}
    carriers = Seller.objects.exclude(role_type=Seller.RoleType.MANAGER)
    out = []
    for name in segment_names:
        sellers = carriers.filter(segment=name) if name != "AE" else carriers.filter(segment="")
        total = won.filter(owner__in=sellers).aggregate(t=Sum("amount"))["t"] or Decimal(0)
        per_seller_year = total / max(sellers.count(), 1) / max(len(months), 1) * 12
        rounded = (per_seller_year / 1000).quantize(Decimal(1), rounding=ROUND_DOWN) * 1000
        out.append({"name": name, "productivity": str(max(rounded, Decimal(1000))), "ramp_months": RAMP_MONTHS})
    return out


def capacity_plan_demo(*, tenant, actor) -> list[str]:
    """Create and publish the capacity scenario and quota set of every year with quotas."""
    lines = []
    with tenant_atomic(tenant):
        segments = sorted({s or "AE" for s in Seller.objects.exclude(role_type=Seller.RoleType.MANAGER)
                           .values_list("segment", flat=True)}) or ["AE"]
        segment_docs = _productivity(segments)
        for year in _years():
            scenario = capacity_services.capacity_scenario_create(
                name=f"FY{year} capacity plan", year=year, target="0", over_assignment="0.10",
                segments=segment_docs, gap_segment=segment_docs[0]["name"],
                target_incentives=target_incentives_by_seller(year=year), actor=actor,
            )
            # Sellers without a segment were put in the first segment; the "AE" default stands for them.
            for member in scenario.roster.select_related("seller"):
                wanted = member.seller.segment or "AE"
                if wanted != member.segment and wanted in segments:
                    member.segment = wanted
                    member.save(update_fields=["segment"])
            _, result = scenario_result(scenario)
            target = (Decimal(result.capacity.numerator) / result.capacity.denominator / 100_000).quantize(
                Decimal(1), rounding=ROUND_DOWN) * 100_000
            scenario = capacity_services.capacity_scenario_update(scenario=scenario, target=target, actor=actor)
            scenario = capacity_services.capacity_scenario_publish(scenario=scenario, actor=actor, override_reason=REASON)
            qset = quota_services.quota_set_create(scenario=scenario, actor=actor)
            quota_services.quota_set_publish(quota_set=qset, actor=actor, override_reason=REASON)
            managers = quota_services.quota_rollup_managers(year=year, actor=actor)
            lines.append(f"FY{year}: target {target:,.0f}, quota to assign {qset.total:,.2f} over "
                         f"{qset.allocations.count()} sellers, {managers} managers rolled up")
    return lines


def capacity_bench(*, tenant, actor, sellers: int = 2000, year: int = 2027, seed: int = 7) -> dict:
    """`make bench`: a scenario of `sellers` (3 segments, tenures spread over 3 years, hires,
    12 % attrition with ramping replacements) recomputed from the database, plus the capacity
    allocation of its quota to assign over every seller. Returns seconds and sizes."""
    import random
    import time
    from datetime import date

    from planning.capacity.engine import money
    from planning.capacity.models import CapacityScenario
    from planning.capacity.selectors import capacity_scenario_get
    from planning.quotas import engine as quota_engine
    from planning.quotas.services import _members

    rng = random.Random(seed)
    segments = [{"name": "smb", "productivity": "360000", "ramp_months": 3},
                {"name": "mid", "productivity": "600000", "ramp_months": 6},
                {"name": "ent", "productivity": "900000",
                 "ramp_curve": ["0", "0.1", "0.2", "0.35", "0.5", "0.65", "0.8", "0.9"]}]
    with tenant_atomic(tenant):
        CapacityScenario.objects.filter(name="bench capacity").delete()
        roster = [capacity_services.roster_member(
            name=f"Bench seller {i}", segment=rng.choice(segments)["name"],
            hire_date=date.fromordinal(date(year - 3, 1, 1).toordinal() + rng.randrange(3 * 365 + 300)))
            for i in range(sellers)]
        scenario = capacity_services.capacity_scenario_create(
            name="bench capacity", year=year, target=str(sellers * 560_000), segments=segments, over_assignment="0.12",
            attrition="0.12", replace_attrition=True, roster=roster, actor=actor, gap_segment="mid",
            hires=[{"segment": s["name"], "count": sellers // 50, "start": f"{year}-{m:02d}"}
                   for s in segments for m in (1, 4, 7, 10)],
        )
    with tenant_atomic(tenant):
        started = time.perf_counter()
        fresh = capacity_scenario_get(pk=scenario.pk)
        _, result = scenario_result(fresh)
        recompute = time.perf_counter() - started
        started = time.perf_counter()
        inp, members, meta = _members(fresh)
        allocations = quota_engine.allocate(total=result.quota_to_assign.numerator / result.quota_to_assign.denominator,
                                            members=members, over_assignment="0.12")
        allocate = time.perf_counter() - started
    return {"recompute": recompute, "allocate": allocate, "sellers": sellers, "members": len(allocations),
            "capacity": str(money(result.capacity)), "hires_needed": result.hires_needed}
