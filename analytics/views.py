"""Dashboards by role, the seller overview, the audit trail and the members page."""

from __future__ import annotations

from django.http import Http404

from analytics import selectors
from analytics.audit import audit_rows
from spm.roles import TENANT_WIDE_ROLES, Role
from spm.tenancy.views import TenantTemplateView
from spm.web import charts
from spm.web.paging import paginate


class DashboardView(TenantTemplateView):
    """Rep: my earnings. Manager: my team. Tenant-wide roles: the company overview."""

    def get_template_names(self):
        role = self.access.role
        if role == Role.REP:
            return ["analytics/dashboard_rep.html"]
        if role == Role.MANAGER:
            return ["analytics/dashboard_manager.html"]
        return ["analytics/dashboard_overview.html"]

    def get(self, request, *args, **kwargs):
        if request.session.get("last_tenant") != self.access.tenant.slug:  # else no session write per view
            request.session["last_tenant"] = self.access.tenant.slug
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        role = self.access.role
        currency = self.access.tenant.base_currency
        if role == Role.REP:
            data = selectors.rep_dashboard(access=self.access)
            h = data["history"]
            if h.periods:
                data["chart"] = charts.earnings_and_attainment(h.periods, h.earnings, h.attainment, currency=h.currency or currency)
        elif role == Role.MANAGER:
            data = selectors.team_dashboard(access=self.access)
            h = data["history"]
            if h.periods:
                data["chart"] = charts.bars(h.periods, h.earnings, name="Team earnings", currency=currency)
        else:
            assert role in TENANT_WIDE_ROLES
            data = selectors.tenant_overview(access=self.access)
            if data["bookings"]:
                data["bookings_chart"] = charts.bars(
                    [b["month"].strftime("%Y-%m") for b in data["bookings"]], [b["total"] for b in data["bookings"]],
                    name="Bookings", currency=currency,
                )
            if any(r["count"] for r in data["status_rows"]):
                data["status_chart"] = charts.donut(
                    [r["label"] for r in data["status_rows"]], [r["count"] for r in data["status_rows"]], height=260
                )
        context.update(data)
        context["currency"] = currency
        context["can_approve"] = self.access.can("statements.approve")
        context["can_view_runs"] = self.access.can("statements.view_all")
        return context


class SellerDetailView(TenantTemplateView):
    template_name = "analytics/seller_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = selectors.seller_overview(access=self.access, pk=kwargs["pk"])
        if data is None:
            raise Http404("No such seller")
        h = data["history"]
        if h.periods:
            data["chart"] = charts.earnings_and_attainment(h.periods, h.earnings, h.attainment, currency=h.currency)
        data["attainment_now"] = selectors.attainment_rows(data["statements"][0].attainment if data["statements"] else None)
        context.update(data)
        return context


class AuditView(TenantTemplateView):
    capability = "audit.view"
    template_name = "analytics/audit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        object_type = self.request.GET.get("object_type") or None
        actor = self.request.GET.get("actor") or None
        actor_id = int(actor) if actor and actor.isdigit() else None
        context.update(paginate(self.request, selectors.audit_list(object_type=object_type, actor_id=actor_id)))
        context["events"] = audit_rows(context["object_list"], diff=selectors.diff,
                                       fy_start_month=self.access.tenant.fiscal_year_start_month)
        context.update(selectors.audit_filter_choices())
        context["selected_type"] = object_type or ""
        context["selected_actor"] = actor_id
        return context
