"""Quota planning composed across pillars: Pay's data (target incentives, trailing attainment)
passed down as plain {seller id: value} mappings into the Plan pillar's services.

Trailing attainment of a seller for plan year Y: closed-won bookings credited to them (deal owner)
in the 12 months before the plan year, divided by their quota for those months (month rows summed,
else the fiscal year row). Sellers without a quota then have no attainment (the blend treats them
as 1).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.db.models import Q, Sum
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from compensation.models import PlanAssignment
from performance.models import Opportunity
from performance.pipeline.selectors import with_base_amount
from planning.capacity import services as capacity_services
from planning.capacity.forms import QuotaSetForm
from planning.capacity.selectors import capacity_scenario_get
from planning.models import Quota
from planning.quotas import services as quota_services
from spm.errors import DomainError
from spm.fiscal import add_months
from spm.tenancy.context import current_tenant
from spm.tenancy.views import TenantView


def target_incentives_by_seller(*, year: int) -> dict[int, Decimal]:
    """Annual target incentive of each seller's plan assignment in force at the start of the plan year
    (or starting during it: the latest start wins)."""
    fy = current_tenant().fiscal_year_start_month
    start = date(year, fy, 1)
    ey, em = add_months(year, fy, 11)
    end = date(ey, em, 28)
    out: dict[int, Decimal] = {}
    rows = (PlanAssignment.objects.filter(start_date__lte=end).filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
            .order_by("seller_id", "start_date").values_list("seller_id", "target_incentive"))
    for seller_id, ti in rows:
        out[seller_id] = ti
    return out


def trailing_attainment_by_seller(*, year: int) -> dict[int, Decimal]:
    fy = current_tenant().fiscal_year_start_month
    months = [add_months(year, fy, -k) for k in range(12, 0, -1)]
    keys = [f"{y:04d}-{m:02d}" for y, m in months]
    start = date(*months[0], 1)
    end = date(year, fy, 1)
    # In the tenant currency at the close-date rate, as every bookings figure (not euros as dollars).
    won, amount = with_base_amount(Opportunity.objects.filter(is_won=True, close_date__gte=start, close_date__lt=end),
                                   end)
    bookings = dict(won.values_list("owner_id").annotate(total=Sum(amount)).values_list("owner_id", "total"))
    quota: dict[int, Decimal] = defaultdict(Decimal)
    year_rows: dict[int, Decimal] = {}
    for seller_id, period, amount in Quota.objects.filter(
        measure="bookings", period__in=[*keys, f"{year - 1:04d}"]
    ).values_list("seller_id", "period", "amount"):
        if period in keys:
            quota[seller_id] += amount
        else:
            year_rows[seller_id] = amount
    out = {}
    for seller_id in set(quota) | set(year_rows):
        q = quota.get(seller_id) or year_rows.get(seller_id)
        if q:
            out[seller_id] = Decimal(bookings.get(seller_id) or 0) / q
    return out


def _scenario_or_404(pk: int):
    scenario = capacity_scenario_get(pk=pk)
    if scenario is None:
        raise Http404("No such scenario")
    return scenario


class QuotaSetCreateView(TenantView):
    """POST from a published scenario's page: allocate its quota to assign into a new quota set."""

    capability = "quotas.edit"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        scenario = _scenario_or_404(kwargs["pk"])
        slug = self.access.tenant.slug
        form = QuotaSetForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
            return redirect(reverse("planning:capacity_detail", kwargs={"tenant": slug, "pk": scenario.pk}))
        data = form.cleaned_data
        attainment = trailing_attainment_by_seller(year=scenario.year) if data["method"] == "blend" else None
        try:
            qset = quota_services.quota_set_create(
                scenario=scenario, actor=request.user, method=data["method"],
                blend_weight=data.get("blend_weight") or 0, seasonality=data.get("seasonality"),
                effective_from=data.get("effective_from") or None, attainment=attainment,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(reverse("planning:capacity_detail", kwargs={"tenant": slug, "pk": scenario.pk}))
        messages.success(request, f"Quota set v{qset.version} allocated; review it and publish.")
        return redirect(reverse("planning:quota_set_detail", kwargs={"tenant": slug, "pk": qset.pk}))


class ScenarioIncentivesView(TenantView):
    """POST: take the roster's target incentives from the sellers' comp plan assignments."""

    capability = "capacity.edit"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        scenario = _scenario_or_404(kwargs["pk"])
        try:
            n = capacity_services.roster_set_incentives(
                scenario=scenario, target_incentives=target_incentives_by_seller(year=scenario.year),
                actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Target incentives taken from plan assignments ({n} roster rows changed).")
        return redirect(reverse("planning:capacity_detail", kwargs={"tenant": self.access.tenant.slug, "pk": scenario.pk}))
