"""Approval route page (finance/admin): the steps, delegates; and the step-approve action."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from compensation.models import Statement
from compensation.routing.selectors import delegate_list
from compensation.routing.services import (
    STEP_ROLES,
    approval_delegate_set,
    approval_route_set,
    route_steps,
    statement_route_approve,
    steps_waiting_for,
)
from compensation.selectors import statement_list
from compensation.web import statement_or_404
from spm.errors import DomainError
from spm.models import Membership
from spm.tenancy.views import TenantTemplateView, TenantView


class DelegateForm(forms.Form):
    user = forms.EmailField(label="Approver (e-mail)")
    delegate = forms.EmailField(label="Delegate (e-mail)")
    starts = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ApprovalRouteView(TenantTemplateView):
    capability = "approvals.configure"
    template_name = "compensation/approval_route.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(steps=route_steps(), roles=[str(r) for r in STEP_ROLES], delegates=list(delegate_list()[:100]),
                       delegate_form=kwargs.get("delegate_form") or DelegateForm())
        return context

    def post(self, request, *args, **kwargs):
        url = reverse("compensation:approval_route", kwargs={"tenant": self.access.tenant.slug})
        if request.POST.get("action") == "route":
            roles = [r for r in request.POST.getlist("roles") if r]
            try:
                approval_route_set(roles=roles, actor=request.user)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Approval route saved: " + (" → ".join(roles) or "single finance approval"))
            return redirect(url)
        form = DelegateForm(request.POST)
        if form.is_valid():
            users = {m.user.email: m.user for m in Membership.objects.select_related("user")
                     .filter(user__email__in=[form.cleaned_data["user"], form.cleaned_data["delegate"]])}
            user, delegate = users.get(form.cleaned_data["user"]), users.get(form.cleaned_data["delegate"])
            if user is None or delegate is None:
                form.add_error(None, "Both people must be members of this workspace.")
            else:
                try:
                    approval_delegate_set(user=user, delegate=delegate, starts=form.cleaned_data["starts"],
                                          ends=form.cleaned_data["ends"], actor=request.user)
                except DomainError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, f"{delegate.email} approves for {user.email} from {form.cleaned_data['starts']}.")
                    return redirect(url)
        return self.render_to_response(self.get_context_data(delegate_form=form, **kwargs))


class StatementStepApproveView(TenantView):
    """POST: take the next step of the route on a statement (managers included; the service decides)."""

    capability = "statements.view"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        statement = statement_or_404(self.access, kwargs["pk"])
        try:
            statement = statement_route_approve(statement=statement, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Approved {statement} ({statement.get_status_display().lower()}).")
        return redirect(reverse("compensation:statement_detail", kwargs={"tenant": self.access.tenant.slug, "pk": statement.pk}))




class MyStepsView(TenantTemplateView):
    """The statements whose next route step the viewer may take (themselves or as a delegate): where a
    manager finds the step-1 approvals a route such as manager → finance gives them."""

    capability = "statements.view"
    template_name = "compensation/my_steps.html"
    limit = 500  # the oldest published statements first; a queue longer than this is worked down

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = list(statement_list(access=self.access, status=Statement.Status.PUBLISHED)
                         .order_by("period", "seller__name", "id")[: self.limit])
        context.update(waiting=steps_waiting_for(statements=published, actor=self.request.user),
                       has_route=bool(route_steps()))
        return context
