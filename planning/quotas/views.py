"""Quota pages: the grid (sellers × periods with manager roll-ups, CSV export/import) and quota sets."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from planning.capacity.forms import PublishForm
from planning.capacity.selectors import capacity_scenario_list, quotas_out_of_line
from planning.quotas import services
from planning.quotas.selectors import allocation_list, quota_export_rows, quota_grid, quota_set_get
from planning.selectors import quota_list, visible_seller_ids
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView, TenantView


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV: seller (external id), period, amount[, measure]")


def _year(request) -> int:
    raw = (request.GET.get("year") or "").strip()
    # isascii(): "²".isdigit() is true but int() refuses it; the length keeps int() from a 5,000-digit string.
    ok = raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100
    return int(raw) if ok else timezone.now().year + 1


def _year_with_quotas(access, planned: int) -> int:
    """Next year's plan once it has quotas; until then the running year (not an empty grid of zeros)."""
    if quota_list(access=access).filter(period__startswith=str(planned)).exists():
        return planned
    return planned - 1


SHOW_ALL_UP_TO = 30  # rows; a longer grid opens on its teams, one team per page


def _by_team(grid: dict, wanted: str) -> dict:
    """Group a long grid by team: each first-line manager with the sellers below them.

    A company-wide grid of every seller is one very long table; grouped, the page opens on one row
    per team (its quota carriers' totals per period) and `?team=<seller id>` shows that team's rows.
    Short grids (a rep, a small team) stay whole. `grid["rows"]` is narrowed in place.
    """
    rows = grid["rows"]
    if len(rows) <= SHOW_ALL_UP_TO or wanted == "all":
        return {"teams": None, "team": None}
    teams, i = [], 0
    while i < len(rows):
        end = i + 1
        while end < len(rows) and rows[end]["indent"] > rows[i]["indent"]:
            end += 1
        subtree = rows[i:end]
        # A first-line manager: has reports, none of whom manage anyone.
        if rows[i]["reports"] and not any(r["reports"] for r in subtree[1:]):
            teams.append({"head": rows[i], "rows": subtree})
            i = end
        else:
            i += 1
    for team in teams:
        carriers = [r for r in team["rows"] if not r["reports"]]
        team["size"] = len(carriers)
        team["totals"] = [sum(vals) for vals in zip(*(r["values"] for r in carriers), strict=True)] if carriers else []
        team["total"] = sum(r["total"] for r in carriers)
    at = next((i for i, t in enumerate(teams) if str(t["head"]["seller"].pk) == wanted), None)
    if at is None:
        return {"teams": teams, "team": None}
    chosen = teams[at]
    grid["rows"] = chosen["rows"]
    grid["totals"], grid["grand_total"] = chosen["totals"], chosen["total"]
    return {"teams": teams, "team": chosen, "previous_team": teams[at - 1]["head"]["seller"] if at else None,
            "next_team": teams[at + 1]["head"]["seller"] if at + 1 < len(teams) else None}


class QuotaGridView(TenantTemplateView):
    """Replaces the flat list: every visible seller's quota by quarter (or month), manager roll-ups, totals."""

    template_name = "planning/quotas/grid.html"
    max_rows = 2000

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by = "month" if self.request.GET.get("by") == "month" else "quarter"
        year = kwargs.get("year") or _year(self.request)
        if not self.request.GET.get("year") and not kwargs.get("year"):
            year = _year_with_quotas(self.access, year)
        grid = quota_grid(access=self.access, year=year, by=by)
        grid["rows"] = grid["rows"][: self.max_rows]
        # The connection: against the year's published capacity scenario, which quotas are out of line.
        scenario = capacity_scenario_list().filter(year=year, status="published").first()
        flagged = {r["seller_id"]: r for r in quotas_out_of_line(scenario=scenario)} if scenario else {}
        for row in grid["rows"]:
            row["out_of_line"] = flagged.get(row["seller"].pk)
        context.update(_by_team(grid, self.request.GET.get("team", "")))
        context["can_view_capacity"] = self.access.can("planning.view")
        context.update(grid=grid, scenario=scenario, flagged=len(flagged), can_edit=self.access.can("quotas.edit"),
                       import_form=kwargs.get("import_form") or ImportForm(), report=kwargs.get("report"))
        return context

    def post(self, request, *args, **kwargs):
        if not self.access.can("quotas.edit"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Your role cannot import quotas.")
        if request.POST.get("action") == "rollup":
            year = _year(request)
            n = services.quota_rollup_managers(year=year, actor=request.user)
            messages.success(request, f"{n} managers now carry the sum of their teams' {year} quotas.")
            return redirect(request.get_full_path())
        form = ImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            report = services.quota_csv_import(content=form.cleaned_data["file"].read(), actor=request.user,
                                               visible_ids=visible_seller_ids(self.access))
            if report.ok:
                messages.success(request, f"Imported {report.rows} quota rows: {report.created} created, "
                                          f"{report.updated} updated, {report.unchanged} unchanged.")
                return redirect(request.get_full_path())
        return self.render_to_response(self.get_context_data(import_form=form, report=report, **kwargs))


class QuotaExportView(TenantView):
    def get(self, request, *args, **kwargs):
        year = _year(request)
        text = services.quotas_csv(quota_export_rows(access=self.access, year=year))
        response = HttpResponse(text, content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="quotas-{year}.csv"'
        return response


def _set_or_404(pk: int):
    qset = quota_set_get(pk=pk)
    if qset is None:
        raise Http404("No such quota set")
    return qset


class QuotaSetDetailView(TenantTemplateView):
    capability = "planning.view"
    template_name = "planning/quotas/set_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        qset = _set_or_404(kwargs["pk"])
        rows = []
        for a in allocation_list(quota_set=qset, access=self.access):
            months = [Decimal(v) for v in a.months]
            rows.append({"a": a, "quarters": [sum(months[i:i + 3], Decimal(0)) for i in range(0, 12, 3)]})
        context.update(quota_set=qset, rows=rows, flagged=sum(r["a"].above_capacity for r in rows),
                       can_edit=self.access.can("quotas.edit"),
                       publish_form=kwargs.get("publish_form") or PublishForm())
        return context


class QuotaSetPublishView(QuotaSetDetailView):
    capability = "quotas.edit"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        qset = _set_or_404(kwargs["pk"])
        form = PublishForm(request.POST)
        form.is_valid()
        try:
            services.quota_set_publish(quota_set=qset, actor=request.user,
                                       override_reason=form.cleaned_data.get("override_reason", ""))
        except DomainError as exc:
            form.add_error("override_reason" if exc.field == "override_reason" else None, exc.message)
            return self.render_to_response(self.get_context_data(publish_form=form, **kwargs))
        messages.success(request, f"Published quota set v{qset.version}: Pay now reads these quotas.")
        return redirect(reverse("planning:quota_set_detail", kwargs={"tenant": self.access.tenant.slug, "pk": qset.pk}))
