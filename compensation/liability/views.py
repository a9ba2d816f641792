"""Payout liability page (finance, executives, admin) and period close/reopen (finance, admin)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from compensation.liability import charts, selectors
from spm.errors import DomainError
from spm.models import Period
from spm.services import period_close, period_reopen
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web.charts import cached_chart

MONTHS_SHOWN = 18


class LiabilityView(TenantTemplateView):
    capability = "liability.view"
    template_name = "compensation/liability.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_period = selectors.liability_by_period(access=self.access)
        currencies = sorted({r["currency"] for r in by_period})
        currency = self.request.GET.get("currency") if self.request.GET.get("currency") in currencies else (
            self.access.tenant.base_currency if self.access.tenant.base_currency in currencies else (currencies[0] if currencies else ""))
        in_currency = [r for r in by_period if r["currency"] == currency]
        rows = in_currency[-MONTHS_SHOWN:]
        period = self.request.GET.get("period") or None
        # Whole-table aggregations of the earning lines: cached per data version (see selectors.cached).
        version = selectors.data_version(self.access)
        cost = selectors.cached("cost", access=self.access, key_parts=(period,), version=version,
                                compute=lambda: selectors.comp_cost_of_sales(period=period))
        # What is owed does not expire with the chart's window: the KPIs sum every month (as the team
        # and plan tables do), the chart and the month table show the latest MONTHS_SHOWN.
        totals = {b: sum((r[b] for r in in_currency), selectors.ZERO) for b in ("accrued", "approved_unpaid", "paid")}
        # Executives aggregate no drafts (selectors.liability_statements): their cached tables are their own.
        scope = (period, selectors.drafts_counted(self.access))
        context.update(
            rows=rows, currency=currency, currencies=currencies, totals=totals, period=period or "",
            # Plotly figures are 10-30 ms each to build: drawn once per distinct data (spm.web.charts).
            chart=cached_chart("liability.bars", (currency, rows), lambda: charts.liability_bars(rows, currency=currency))
            if rows else None,
            cost=cost, cost_chart=cached_chart("liability.cost", (cost,), lambda: charts.cost_of_sales_line(cost))
            if cost else None,
            teams=selectors.cached("teams", access=self.access, key_parts=scope, version=version,
                                   compute=lambda: selectors.liability_by_team(period=period, access=self.access)),
            plans=selectors.cached("plans", access=self.access, key_parts=scope, version=version,
                                   compute=lambda: selectors.liability_by_plan(period=period, access=self.access)),
            forecast=selectors.forecast_liability(access=self.access, version=version),
            can_close=self.access.can("periods.close"),
            closed={p.key for p in Period.objects.filter(status=Period.Status.CLOSED)},
        )
        return context


class PeriodCloseView(TenantView):
    """POST period=<YYYY-MM>, action=close|reopen: the audited kernel services, surfaced for finance."""

    capability = "periods.close"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        period, action = request.POST.get("period", ""), request.POST.get("action")
        try:
            if action == "reopen":
                period_reopen(period=period, actor=request.user)
                messages.success(request, f"Reopened {period}.")
            else:
                period_close(period=period, actor=request.user)
                messages.success(request, f"Closed {period}: calculations and adjustments no longer change it.")
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect(reverse("compensation:liability", kwargs={"tenant": self.access.tenant.slug}) + "#periods")
