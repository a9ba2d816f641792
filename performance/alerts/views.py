"""The in-app alert list: what is at risk, why, and what to do (each alert links to its deal)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from performance.alerts import selectors, services
from performance.alerts.models import Alert
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web.paging import paginate


class AlertListView(TenantTemplateView):
    capability = "alerts.view"
    template_name = "performance/alerts/alerts.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = self.request.GET.get("kind") or ""
        if kind not in Alert.Kind.values:
            kind = ""
        qs = selectors.alert_list(access=self.access, kind=kind or None).order_by("kind", "-amount", "-id")
        context.update(paginate(self.request, qs, per_page=50))
        context.update(kind=kind, kinds=Alert.Kind.choices, counts=selectors.open_alert_counts(access=self.access),
                       can_refresh=self.access.can("alerts.refresh"))
        return context


class AlertDismissView(TenantView):
    capability = "alerts.view"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        alert = selectors.alert_get(access=self.access, pk=kwargs["pk"])
        if alert is None:
            raise Http404("No such alert")
        try:
            services.alert_dismiss(alert=alert, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Alert dismissed.")
        return redirect(reverse("performance:alerts", kwargs={"tenant": self.access.tenant.slug}))


class AlertRefreshView(TenantView):
    capability = "alerts.refresh"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        counts = services.alerts_refresh(actor=request.user)
        messages.success(request, f"Alerts refreshed: {counts['created']} new, {counts['resolved']} resolved, "
                                  f"{counts['open']} open.")
        return redirect(reverse("performance:alerts", kwargs={"tenant": self.access.tenant.slug}))
