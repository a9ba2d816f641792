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
    won = Opportunity.objects.filter(stage=Opportunity.Stage.CLOSED_WON)
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
