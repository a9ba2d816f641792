"""Perform pages: deals (opportunities) with their splits and stage history."""

from __future__ import annotations

from django.db.models import Count, F, Sum
from django.http import Http404
from django.utils import timezone

from performance.pipeline.selectors import with_base_amount
from performance.selectors import opportunity_get, opportunity_list, stage_names
from spm.tenancy.views import TenantTemplateView
from spm.web.paging import paginate

# Closed deals: the latest close first; open deals: the soonest close first; all: what happened
# most recently first, open deals (closing later) after the closed ones, never a future close on top.
DEAL_ORDER = {
    "closed": ("-close_date", "-id"),
    "open": (F("close_date").asc(nulls_last=True), "id"),
    "all": ("-is_closed", F("close_date").desc(nulls_last=True), "-id"),
}
DEAL_STATES = [("closed", "Closed"), ("open", "Open"), ("all", "All")]


class DealListView(TenantTemplateView):
    template_name = "performance/deals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        search = (self.request.GET.get("q") or "").strip()[:100]
        stage = (self.request.GET.get("stage") or "").strip()[:100]  # a tenant's own stage name
        stages = stage_names()
        state = self.request.GET.get("state") if self.request.GET.get("state") in DEAL_ORDER else "closed"
        qs = opportunity_list(access=self.access, stage=stage or None, search=search or None)
        if state != "all":
            qs = qs.filter(is_closed=state == "closed")
        # Amounts in the tenant's currency at each deal's rate (the original shown beside), so a
        # page of EUR, GBP and USD deals adds up.
        qs, base = with_base_amount(qs, timezone.localdate())
        qs = qs.annotate(amount_base=base)
        totals = qs.aggregate(n=Count("id"), total=Sum("amount_base"))
        context.update(paginate(self.request, qs.order_by(*DEAL_ORDER[state]), per_page=50, count=totals["n"]))
        context.update(search=search, stage=stage, stages=[(name, name) for name in stages], state=state,
                       states=DEAL_STATES, totals=totals, currency=self.access.tenant.base_currency)
        return context


class DealDetailView(TenantTemplateView):
    template_name = "performance/deal_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deal = opportunity_get(access=self.access, pk=kwargs["pk"])
        if deal is None:
            raise Http404("No such deal")
        context["deal"] = deal
        context["splits"] = list(deal.splits.all())
        context["stage_changes"] = list(deal.stage_changes.all())
        return context
