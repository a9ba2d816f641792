"""Holds page (finance): the policy, holds awaiting release, place on a statement, release."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from compensation.holds.selectors import hold_list
from compensation.holds.services import hold_place, hold_policy, hold_policy_set, hold_release
from compensation.web import statement_or_404
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web.paging import paginate


class PolicyForm(forms.Form):
    pct = forms.DecimalField(min_value=0, max_value=1, decimal_places=4, label="Share held (0.25 = 25 %)")
    days = forms.IntegerField(min_value=0, max_value=730, label="Days after the month to release")


class HoldListView(TenantTemplateView):
    capability = "payroll.export"
    template_name = "compensation/holds.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status") or "held"
        context.update(paginate(self.request, hold_list(access=self.access, status=None if status == "all" else status),
                                per_page=50))
        policy = hold_policy()
        context.update(status=status, policy=policy,
                       form=kwargs.get("form") or PolicyForm(initial={"pct": policy.pct, "days": policy.days}))
        return context

    def post(self, request, *args, **kwargs):
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                hold_policy_set(**form.cleaned_data, actor=request.user)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Hold policy saved.")
                return redirect(reverse("compensation:holds", kwargs={"tenant": self.access.tenant.slug}))
        return self.render_to_response(self.get_context_data(form=form, **kwargs))


class HoldPlaceView(TenantView):
    """POST on a statement: hold the policy's share of its commission."""

    capability = "payroll.export"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        statement = statement_or_404(self.access, kwargs["pk"])
        try:
            hold = hold_place(statement=statement, actor=request.user, pct=request.POST.get("pct") or None)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Held {hold.amount:,.2f} until {hold.release_after:%b %d, %Y}; "
                                      f"{statement.period} is being recalculated.")
        return redirect(reverse("compensation:statement_detail", kwargs={"tenant": self.access.tenant.slug, "pk": statement.pk}))


class HoldReleaseView(TenantView):
    capability = "payroll.export"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        hold = hold_list(access=self.access).filter(pk=kwargs["pk"]).first()
        if hold is None:
            raise Http404("No such hold")
        period = request.POST.get("period", "")
        try:
            hold_release(hold=hold, period=period, actor=request.user, reason=request.POST.get("reason") or "invoice paid")
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Released {hold.amount:,.2f} into {period}.")
        return redirect(reverse("compensation:holds", kwargs={"tenant": self.access.tenant.slug}))
