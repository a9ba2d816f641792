"""Estimator pages: a form on its own page, and htmx fragments on the deal page and rep dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from compensation.estimator.selectors import earnings_estimate
from performance.selectors import opportunity_get, opportunity_list
from planning.selectors import visible_seller_ids
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView
from spm.web.forms import add_service_error

DASHBOARD_DEALS = 5


class EstimateForm(forms.Form):
    deal = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"), label="If it closes for")
    close_date = forms.DateField(label="On", widget=forms.DateInput(attrs={"type": "date"}))


def _estimate_seller(access, deal):
    """Whose pay the estimate is for: the viewer's own seller when they share the deal, else the owner.
    None when the viewer may not see that seller's pay."""
    parties = [deal.owner, *[s.seller for s in deal.splits.all()]]
    own = [s for s in parties if s.user_id == access.membership.user_id]
    seller = own[0] if own else deal.owner
    visible = visible_seller_ids(access, pay=True)
    return seller if visible is None or seller.pk in visible else None


def estimate_for(access, deal, amount=None, close_date=None) -> dict:
    """Context for one deal: the estimate, or why there is none."""
    if deal.is_closed:
        state = "won" if deal.is_won else "lost"
        return {"deal": deal, "refusal": f"This deal is closed ({state}); estimates are for open deals."}
    seller = _estimate_seller(access, deal)
    if seller is None:
        return {"deal": deal, "refusal": "You cannot see this seller's pay."}
    try:
        estimate = earnings_estimate(opportunity=deal, seller=seller, amount=amount,
                                     close_date=close_date or deal.close_date or dt.date.today())
    except DomainError as exc:
        return {"deal": deal, "refusal": str(exc), "error": exc}
    return {"deal": deal, "estimate": estimate}


class EstimateView(TenantTemplateView):
    """`?deal=<id>&amount=&close_date=`: the estimate for one open deal the viewer may see."""

    capability = "statements.view"
    template_name = "compensation/estimate.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        open_deals = opportunity_list(access=self.access).exclude(is_closed=True).order_by("close_date", "external_id")
        context["open_deals"] = open_deals[:200]
        deal_id = self.request.GET.get("deal", "")
        deal = opportunity_get(access=self.access, pk=int(deal_id)) if deal_id.isdigit() else None
        if deal is None:
            return context
        data = self.request.GET if "amount" in self.request.GET else None
        form = EstimateForm(data, initial={"deal": deal.pk, "amount": deal.amount,
                                           "close_date": deal.close_date or dt.date.today()})
        context["form"] = form
        if data is None:
            context.update(estimate_for(self.access, deal))
        elif form.is_valid():
            result = estimate_for(self.access, deal, form.cleaned_data["amount"], form.cleaned_data["close_date"])
            if "refusal" in result and "estimate" not in result:
                add_service_error(form, result.get("error") or DomainError(result["refusal"]))
            context.update(result)
        else:
            context["deal"] = deal
        return context


class DealEstimateFragment(TenantTemplateView):
    """htmx fragment for the deal page (performance): the estimate at the deal's amount and date."""

    capability = "statements.view"
    template_name = "compensation/_estimate_card.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deal = opportunity_get(access=self.access, pk=kwargs["pk"])
        if deal is None:
            from django.http import Http404

            raise Http404("No such deal")
        context.update(estimate_for(self.access, deal))
        return context


class MyEstimatesFragment(TenantTemplateView):
    """htmx fragment for the rep dashboard: estimates of the viewer's next open deals."""

    capability = "statements.view"
    template_name = "compensation/_my_estimates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deals = list(opportunity_list(access=self.access).filter(owner__user_id=self.access.membership.user_id)
                     .exclude(is_closed=True).exclude(close_date__isnull=True)
                     .prefetch_related("splits__seller").order_by("close_date", "external_id")[:DASHBOARD_DEALS])
        context["rows"] = [estimate_for(self.access, deal) for deal in deals]
        return context
