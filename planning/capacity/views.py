"""Capacity scenario pages: list, detail (monthly table + chart), new/edit, copy, publish, compare.

RevOps and admins edit ("capacity.edit"); managers, executives and finance read ("planning.view");
a manager's roster and quota tables show their subtree only.
"""
from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from planning.capacity import charts, services
from planning.capacity.engine import money
from planning.capacity.forms import PublishForm, QuotaSetForm, ScenarioForm
from planning.capacity.models import CapacityScenario
from planning.capacity.selectors import (
    capacity_scenario_get,
    capacity_scenario_list,
    quotas_out_of_line,
    roster_list,
    scenario_document,
    scenario_result,
    seller_capacity,
)
from planning.quotas.selectors import quota_set_list
from planning.selectors import visible_seller_ids
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView, TenantView

MAX_COMPARE = 4


def _scenario_or_404(pk: int) -> CapacityScenario:
    scenario = capacity_scenario_get(pk=pk)
    if scenario is None:
        raise Http404("No such scenario")
    return scenario


def _url(access, name: str, **kwargs) -> str:
    return reverse(f"planning:{name}", kwargs={"tenant": access.tenant.slug, **kwargs})


def summary(result) -> dict:
    return {
        "target": money(result.target), "capacity": money(result.capacity), "gap": money(result.gap),
        "quota_to_assign": money(result.quota_to_assign), "hires_needed": result.hires_needed,
        "variable_pay": money(result.variable_pay),
        "cost_of_sales": None if result.cost_of_sales is None else float(result.cost_of_sales) * 100,
        "coverage": float(result.capacity / result.target) * 100 if result.target else None,
    }


class ScenarioListView(TenantTemplateView):
    capability = "planning.view"
    template_name = "planning/capacity/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scenarios"] = list(capacity_scenario_list()[:200])
        context["can_edit"] = self.access.can("capacity.edit")
        return context


class ScenarioDetailView(TenantTemplateView):
    capability = "planning.view"
    template_name = "planning/capacity/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scenario = _scenario_or_404(kwargs["pk"])
        inp, result = scenario_result(scenario)
        roster = roster_list(scenario=scenario, access=self.access)
        caps = seller_capacity(inp, roster)
        visible = visible_seller_ids(self.access)
        out_of_line = quotas_out_of_line(scenario=scenario)
        if visible is not None:
            out_of_line = [r for r in out_of_line if r["seller_id"] in visible]
        currency = self.access.tenant.base_currency
        context.update(
            scenario=scenario, result=result, summary=summary(result),
            months=[{"month": m.month, "ramped": float(m.ramped), "ramping": float(m.ramping), "fre": float(m.fre),
                     "capacity": money(m.capacity), "target": money(m.target),
                     "gap": money(m.target - m.capacity)} for m in result.months],
            chart=charts.capacity_vs_target(result, currency=currency),
            roster=[{"member": m, "capacity": money(caps[m.pk])} for m in roster],
            out_of_line=out_of_line, quota_sets=list(quota_set_list(scenario=scenario)),
            can_edit=self.access.can("capacity.edit"), can_quota=self.access.can("quotas.edit"),
            tenant_wide=visible is None, publish_form=kwargs.get("publish_form") or PublishForm(),
            quota_form=QuotaSetForm(initial={"method": "capacity"}),
        )
        return context


class ScenarioFormView(TenantTemplateView):
    """New (no pk) or edit (pk, drafts only)."""

    capability = "capacity.edit"
    template_name = "planning/capacity/form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scenario = _scenario_or_404(kwargs["pk"]) if "pk" in kwargs else None
        if scenario is not None and not scenario.is_draft:
            raise Http404("Only drafts are edited; copy a published scenario")
        form = kwargs.get("form")
        if form is None:
            if scenario is not None:
                form = ScenarioForm(initial=ScenarioForm.initial_for(scenario, list(scenario.roster.select_related("seller"))))
            else:
                form = ScenarioForm(initial=self._new_initial())
        context.update(form=form, scenario=scenario)
        return context

    def _new_initial(self) -> dict:
        from planning.capacity.forms import roster_text, segments_text

        segments = [{"name": "AE", "productivity": "600000", "ramp_months": 6}]
        year = timezone.now().year + 1
        roster = services.roster_from_sellers(year=year, segments=segments)
        for m in roster:  # default roster rows read best with the seller's own segment when it has one
            if m.seller.segment:
                m.segment = m.seller.segment
        seg_names = sorted({m.segment for m in roster} | {"AE"})
        segments = [{"name": n, "productivity": "600000", "ramp_months": 6} for n in seg_names]
        return {"name": f"FY{year} plan", "year": year, "target": "10000000", "over_assignment": "0.10",
                "attrition": "0", "segments": segments_text(segments), "roster": roster_text(roster)}

    def post(self, request, *args, **kwargs):
        scenario = _scenario_or_404(kwargs["pk"]) if "pk" in kwargs else None
        form = ScenarioForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            roster = data.pop("roster")
            data["gap_segment"] = data["gap_segment"] or ""
            data["gap_start"] = data["gap_start"] or ""
            try:
                if scenario is None:
                    scenario = services.capacity_scenario_create(**data, roster=roster, actor=request.user)
                else:
                    services.capacity_scenario_update(scenario=scenario, roster=roster, actor=request.user, **data)
            except DomainError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, f"Saved {scenario.name}.")
                return redirect(_url(self.access, "capacity_detail", pk=scenario.pk))
        return self.render_to_response(self.get_context_data(form=form, **kwargs))


class ScenarioCopyView(TenantView):
    capability = "capacity.edit"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        copy = services.capacity_scenario_copy(scenario=_scenario_or_404(kwargs["pk"]), actor=request.user)
        messages.success(request, f"Copied to {copy.name} (a draft).")
        return redirect(_url(self.access, "capacity_edit", pk=copy.pk))


class ScenarioPublishView(ScenarioDetailView):
    capability = "capacity.edit"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        scenario = _scenario_or_404(kwargs["pk"])
        form = PublishForm(request.POST)
        form.is_valid()
        try:
            services.capacity_scenario_publish(scenario=scenario, actor=request.user,
                                               override_reason=form.cleaned_data.get("override_reason", ""))
        except DomainError as exc:
            form.add_error("override_reason" if exc.field == "override_reason" else None, exc.message)
            return self.render_to_response(self.get_context_data(publish_form=form, **kwargs))
        messages.success(request, f"Published {scenario.name}.")
        return redirect(_url(self.access, "capacity_detail", pk=scenario.pk))


class ScenarioExportView(TenantView):
    """The scenario in the file format of `python manage.py capacity` (roster ids are seller ids)."""

    capability = "capacity.edit"

    def get(self, request, *args, **kwargs):
        scenario = _scenario_or_404(kwargs["pk"])
        roster = list(scenario.roster.select_related("seller"))
        doc = scenario_document(scenario, roster)
        for row, m in zip(doc["roster"], roster, strict=True):
            row["id"] = m.seller.external_id if m.seller_id else f"+{m.name}"
        doc["roster"] = [{k: v for k, v in r.items() if v is not None} for r in doc["roster"]]
        response = HttpResponse(json.dumps(doc, indent=2), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="capacity-{scenario.pk}.json"'
        return response


class ScenarioCompareView(TenantTemplateView):
    capability = "planning.view"
    template_name = "planning/capacity/compare.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ids = []
        for raw in self.request.GET.getlist("ids"):
            # ASCII and ≤ 18 digits: "²" passes isdigit() but not int(); a 30-digit id overflows the DB integer.
            if raw.isascii() and raw.isdigit() and len(raw) <= 18 and int(raw) not in ids:
                ids.append(int(raw))
        scenarios = list(capacity_scenario_list().filter(pk__in=ids[:MAX_COMPARE]))
        rows = []
        for s in scenarios:
            _, result = scenario_result(s)
            rows.append({"scenario": s, "result": result, "summary": summary(result)})
        context.update(rows=rows, all_scenarios=list(capacity_scenario_list()[:200]), selected=ids,
                       chart=charts.compare([(r["scenario"].name, r["result"]) for r in rows],
                                            currency=self.access.tenant.base_currency) if rows else "")
        return context
