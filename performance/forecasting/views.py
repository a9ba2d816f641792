"""Forecast page: the human call and its roll-up beside the three system forecasts, target, actual, backtest."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from performance.forecasting import selectors, services
from performance.forecasting.forms import CallForm, OverrideForm
from planning.selectors import seller_get, viewer_sellers, visible_seller_ids
from spm.errors import DomainError
from spm.formatting import period_label
from spm.tenancy.context import current_tenant
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web.charts import PALETTE, to_html
from spm.web.forms import add_service_error

METHOD_LABELS = {"weighted": "Weighted pipeline", "stage_conversion": "Stage & age conversion",
                 "model": "Win-probability model", "commit": "Human call (commit)"}


def _period(request) -> str:
    today = timezone.localdate()
    period = (request.GET.get("period") or request.POST.get("period") or "").strip()
    try:
        selectors.period_bounds(period)
        if "-Q" in period:
            return period
    except ValueError:
        pass
    return selectors.period_of(today)


def _shift(period: str, n: int) -> str:
    year, q = int(period[:4]), int(period[-1])
    idx = year * 4 + (q - 1) + n
    return f"{idx // 4}-Q{idx % 4 + 1}"


def _comparison_chart(figures: dict, currency: str) -> str:
    import plotly.graph_objects as go

    labels = list(figures)
    values = [figures[k] for k in labels]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(labels))]
    fig = go.Figure(go.Bar(x=labels, y=[0 if v is None else float(v) for v in values], marker_color=colors,
                           text=["n/a" if v is None else f"{float(v):,.0f}" for v in values], textposition="outside",
                           hovertemplate=f"%{{x}}<br>{currency} %{{y:,.0f}}<extra></extra>"))
    fig.update_yaxes(tickformat=",.0f", title_text=currency)
    fig.update_xaxes(type="category")
    return to_html(fig, height=300)


def _monthly_chart(rows: list[dict], currency: str) -> str:
    import plotly.graph_objects as go

    months = [r["month"].strftime("%b %Y") for r in rows]
    fig = go.Figure()
    fig.add_bar(x=months, y=[r["open"] for r in rows], name="Open pipeline", marker_color=PALETTE[1],
                hovertemplate=f"%{{x}}<br>{currency} %{{y:,.0f}}<extra>open</extra>")
    fig.add_bar(x=months, y=[r["weighted"] for r in rows], name="Weighted", marker_color=PALETTE[0],
                hovertemplate=f"%{{x}}<br>{currency} %{{y:,.0f}}<extra>weighted</extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=",.0f", title_text=currency)
    fig.update_xaxes(type="category")
    return to_html(fig, height=260)


def _accuracy_chart(report: dict) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    quarters = [period_label(q["quarter"], current_tenant().fiscal_year_start_month) for q in report["quarters"]]
    for i, method in enumerate(report["methods"]):
        ys = [q["methods"][method]["accuracy"] for q in report["quarters"]]
        if all(y is None for y in ys):
            continue
        fig.add_scatter(x=quarters, y=ys, mode="lines+markers", name=METHOD_LABELS[method],
                        line={"color": PALETTE[i % len(PALETTE)]}, hovertemplate="%{x}<br>%{y:.1%}<extra></extra>")
    fig.update_yaxes(tickformat=".0%", title_text="accuracy")
    fig.update_xaxes(type="category")
    return to_html(fig, height=280)


class ForecastView(TenantTemplateView):
    capability = "forecast.view"
    template_name = "performance/forecasting/forecast.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        access = self.access
        period = _period(self.request)
        seller_ids = visible_seller_ids(access)
        scope = "all" if seller_ids is None else ",".join(map(str, sorted(seller_ids)))
        model_run = selectors.latest_win_model()
        version = selectors.cache_version(model_run.pk if model_run else None)
        # The whole page's figures, per viewer scope, period and data version (submitted calls and
        # overrides are audited writes, so they move it too): the roll-up, target, actual, monthly
        # pipeline and their charts are ~15 queries and the page's heaviest rendering.
        figures = selectors.cached("page", (scope, period), lambda: self._figures(
            period=period, seller_ids=seller_ids, scope=scope, model_run=model_run, version=version), version=version)
        own = viewer_sellers(access)
        context.update(
            figures, period=period, previous=_shift(period, -1), next=_shift(period, 1), model_run=model_run,
            model_metrics=(model_run.metrics if model_run else None), method_labels=METHOD_LABELS,
            can_submit=access.can("forecast.submit") and bool(own),
            can_override=access.can("forecast.override"), can_train=access.can("forecast.train"),
            can_configure=access.can("forecast.configure"),
            call_form=kwargs.get("call_form") or CallForm(initial={"period": period}), own_sellers=own,
        )
        return context

    def _figures(self, *, period: str, seller_ids: set[int] | None, scope: str, model_run, version: tuple) -> dict:
        access = self.access
        tenant = access.tenant
        rows = selectors.forecast_rollup(access=access, period=period)
        roots = selectors.viewer_roots(access)
        by_id = {r["seller"].pk: r for r in rows}
        if roots is None:
            top = [r for r in rows if r["seller"].manager_id is None]
        else:
            top = [by_id[r] for r in roots if r in by_id]
        human = {"commit": sum(r["commit"]["call"] for r in top), "best_case": sum(r["best_case"]["call"] for r in top)}
        frames: list = []

        def frames_of():  # the deal history, read at most once, and only when a cached figure is stale
            if not frames:
                frames.append(selectors.history_frames(seller_ids=seller_ids))
            return frames[0]

        system = selectors.cached("system", (scope, period), lambda: selectors.system_forecasts(
            access=access, period=period, frames=frames_of()), version=version)
        target = selectors.target_for(access=access, period=period)
        actual = selectors.actual_for(access=access, period=period)
        # The backtest: the stored company-wide one (with the model) for tenant-wide viewers once a
        # training has run; otherwise a live one of the viewer's own scope without the model.
        stored = (model_run.metrics or {}).get("backtest") if model_run and roots is None else None
        report = stored or selectors.cached("backtest", (scope, roots), lambda: selectors.backtest_report(
            model=False, seller_ids=seller_ids, roots=roots, frames=frames_of()), version=version)
        monthly = selectors.weighted_by_month(access=access)
        figures = {"Target": float(target), "Won so far": actual, "Human call": human["commit"],
                   "Weighted": system["weighted"], "Conversion": system["stage_conversion"], "Model": system["model"]}
        return {
            "rows": rows, "human": human, "system": system, "target": target, "actual": actual, "report": report,
            "report_is_stored": bool(stored),
            "comparison_chart": _comparison_chart(figures, tenant.base_currency),
            "accuracy_chart": _accuracy_chart(report) if report["quarters"] else "",
            "monthly": monthly, "monthly_chart": _monthly_chart(monthly, tenant.base_currency),
            "stages": selectors.pipeline_stages(), "best_label": METHOD_LABELS.get(report.get("best_method") or "", ""),
            "method_headers": [METHOD_LABELS.get(m, m) for m in report["methods"]],  # the backtest's columns, named
        }


def _forecast_page(access, period: str):
    """Back to the forecast page of `period` (every write of the page ends there)."""
    return redirect(reverse("performance:forecast", kwargs={"tenant": access.tenant.slug}) + f"?period={period}")


class _ForecastPost(TenantView):
    http_method_names = ["post"]

    def _back(self, period: str):
        return _forecast_page(self.access, period)


class ForecastSubmitView(ForecastView):
    """POST the rep's call; a refused one renders the forecast page again with the bound form (what
    was typed stays, the reason beside its field) rather than redirecting and losing the numbers."""

    capability = "forecast.submit"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CallForm(request.POST)
        period = _period(request)
        own = viewer_sellers(self.access)
        if not own:
            messages.error(request, "Your user is not linked to a seller, so there is no call of yours to submit.")
            return _forecast_page(self.access, period)
        if form.is_valid():
            try:
                services.forecast_submit(seller=own[0], actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"Your call for {form.cleaned_data['period']} is recorded.")
                return _forecast_page(self.access, form.cleaned_data["period"])
        return self.render_to_response(self.get_context_data(call_form=form, **kwargs))


class ForecastOverrideView(_ForecastPost):
    capability = "forecast.override"

    def post(self, request, *args, **kwargs):
        form = OverrideForm(request.POST)
        period = _period(request)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
            return self._back(period)
        data = dict(form.cleaned_data)
        seller = seller_get(access=self.access, pk=data.pop("seller"))
        if seller is None or not selectors.may_override(self.access, seller):
            raise Http404("No such seller")
        try:
            services.forecast_override_set(seller=seller, actor=request.user, **data)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Override for {seller.name} in {data['period']} stands until you remove it.")
        return self._back(data["period"])


class ForecastOverrideRemoveView(_ForecastPost):
    capability = "forecast.override"

    def post(self, request, *args, **kwargs):
        override = selectors.override_get(access=self.access, pk=kwargs["pk"])
        if override is None:
            raise Http404("No such override")
        try:
            services.forecast_override_remove(override=override, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Override for {override.seller.name} removed: the roll-up is the call again.")
        return self._back(override.period)


class StageProbabilitiesView(_ForecastPost):
    """POST ``probability-<stage name>`` fields: the weighted pipeline's stage probabilities (0..1)."""

    capability = "forecast.configure"

    def post(self, request, *args, **kwargs):
        values = {key[len("probability-"):]: value.strip() for key, value in request.POST.items()
                  if key.startswith("probability-")}
        try:
            changed = services.stage_probabilities_set(probabilities=values, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Stage probabilities saved ({changed} changed).")
        return self._back(_period(request))


class WinModelTrainView(_ForecastPost):
    capability = "forecast.train"

    def post(self, request, *args, **kwargs):
        try:
            services.win_model_request(actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Training of the win model started; the page shows it when it finishes.")
        return self._back(_period(request))
