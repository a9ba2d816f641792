"""Perform pages: deals (opportunities) with their splits and stage history."""

from __future__ import annotations

from django.http import Http404

from performance.selectors import opportunity_get, opportunity_list, stage_names
from spm.tenancy.views import TenantTemplateView
from spm.web.paging import paginate


class DealListView(TenantTemplateView):
    template_name = "performance/deals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        search = (self.request.GET.get("q") or "").strip()[:100]
        stage = (self.request.GET.get("stage") or "").strip()[:100]  # a tenant's own stage name
        stages = stage_names()
        qs = opportunity_list(access=self.access, stage=stage or None, search=search or None)
        context.update(paginate(self.request, qs.order_by("-close_date", "-id"), per_page=50))
        context.update(search=search, stage=stage, stages=[(name, name) for name in stages])
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
