"""Pipeline inspection pages: parse the filters → call the selectors → render (charts included).

Every member may open them; what they see is their visible scope (a rep their own deals, a
manager their subtree, tenant-wide roles everything). The first screen is bounded (a fixed number
of aggregate queries); flow and risk panels load by htmx after it.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.http import QueryDict

from performance.pipeline import charts, reads
from performance.pipeline.params import parse_params
from performance.pipeline.selectors import cached, deal_drilldown, pipeline_flow, pipeline_overview, pipeline_risks
from spm.fiscal import parse_period_key, quarter_key, shift_month
from spm.tenancy.views import TenantTemplateView
from spm.web.paging import paginate

OWNER_ROWS = 50
OWNER_CHOICES = 300  # the owner filter lists the sellers up to this many (then: narrow by team)


class _PipelineBase(TenantTemplateView):
    def params(self):
        return parse_params(self.request.GET, fy_start_month=self.access.tenant.fiscal_year_start_month)

    def querystring(self, p, **extra) -> str:
        """The page's filters with ``extra`` set (replacing a filter of the same name). The part
        without ``extra`` is built once per request: breakdown tables ask for one per row."""
        keys = tuple(sorted(k for k, v in extra.items() if v))
        bases = self.__dict__.setdefault("_querystrings", {})
        if keys not in bases:
            q = QueryDict(mutable=True)
            q.update(p.filters.as_query())
            q["as_of"] = p.as_of.isoformat()
            q["period"] = p.period
            for k in keys:
                q.pop(k, None)
            bases[keys] = q.urlencode()
        return "&".join(part for part in (bases[keys], urlencode([(k, extra[k]) for k in keys])) if part)


class PipelineView(_PipelineBase):
    template_name = "performance/pipeline/pipeline.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        p = self.params()
        fy = self.access.tenant.fiscal_year_start_month
        overview = reads.served_read("page", access=self.access, p=p, compute=lambda served: self.page_data(p, served))
        doc = overview["metrics"]
        currency = overview["currency"]
        choices = overview["choices"]
        start, _, _ = parse_period_key(p.period, fy)
        periods = [quarter_key(shift_month(start, 3 * i), fy) for i in range(-4, 3)]
        # The largest owners by open pipeline (the document holds no more): a manager over thousands
        # of sellers narrows by team.
        top_owners = sorted(doc["by_owner"].items(), key=lambda kv: (-Decimal(kv[1]["open_amount"]), kv[0]))[:OWNER_ROWS]
        context.update(
            p=p, overview=overview, m=doc["overall"], doc=doc, currency=currency, errors=p.errors,
            qs=self.querystring(p), flow_qs=self.querystring(p, flow_from=p.flow_from.isoformat(), flow_to=p.flow_to.isoformat()),
            periods=periods,
            owners=choices["owners"], teams=choices["teams"], regions=choices["regions"], segments=choices["segments"],
            owner_rows=self.rows(p, dict(top_owners), "owner", choices["names"]),
            owners_more=choices["count"] - len(top_owners),
            team_rows=self.rows(p, doc["by_team"], "team"),
            region_rows=self.rows(p, doc["by_region"], "region"),
            **overview["charts"],
        )
        return context

    def page_data(self, p, served: bool | None = None) -> dict:
        """The overview (its document listing the ``OWNER_ROWS`` largest owners), the filter choices
        and the charts: rendered once, cached with it for large tenants — without the thousands of
        seller records a manager's overview reads (the owner filter lists 300 at most)."""
        overview = pipeline_overview(access=self.access, as_of=p.as_of, period=p.period, filters=p.filters,
                                     owner_rows=OWNER_ROWS, served=served)
        doc, currency = overview["metrics"], overview["currency"]
        sellers = overview.pop("sellers")
        overview["choices"] = reads.filter_choices(sellers, listed=doc["by_owner"], owner_limit=OWNER_CHOICES)
        overview["charts"] = {
            "aging_chart": charts.aging_chart(doc["aging"], currency=currency),
            "bookings_chart": charts.bookings_chart(doc["bookings_by_quarter"], currency=currency,
                                                    fy_start_month=self.access.tenant.fiscal_year_start_month)
            if doc["bookings_by_quarter"] else "",
            "owner_chart": charts.owner_chart(doc["by_owner"], currency=currency) if doc["by_owner"] else "",
        }
        return overview

    def rows(self, p, block: dict, kind: str, names: dict | None = None) -> list[dict]:
        """Breakdown rows with the query that narrows the page to each one (the drill-down)."""
        out = []
        for key, m in block.items():
            label, value = (names or {}).get(key, (key, key))
            out.append({"label": label, "m": m, "query": self.querystring(p, **{kind: value})})
        return out


class PipelineFlowPanel(_PipelineBase):
    template_name = "performance/pipeline/_flow.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        p = self.params()
        data = cached("flow", access=self.access, key_parts=(p.flow_from, p.flow_to, p.filters),
                      compute=lambda: pipeline_flow(access=self.access, start=p.flow_from, end=p.flow_to, filters=p.filters))
        currency = self.access.tenant.base_currency
        context.update(p=p, data=data, currency=currency, chart=charts.flow_chart(data["flow"], currency=currency))
        return context


class PipelineRisksPanel(_PipelineBase):
    template_name = "performance/pipeline/_risks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        p = self.params()
        data = cached("risks", access=self.access, key_parts=(p.as_of, p.filters),
                      compute=lambda: pipeline_risks(access=self.access, as_of=p.as_of, filters=p.filters))
        context.update(p=p, data=data,
                       currency=self.access.tenant.base_currency)
        return context


class PipelineDealsView(_PipelineBase):
    """Drill-down: the deals behind a figure, paginated (one COUNT and one page)."""

    template_name = "performance/pipeline/deals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        p = self.params()
        period = self.request.GET.get("close_period") or ""
        try:
            if period:
                parse_period_key(period, self.access.tenant.fiscal_year_start_month)
        except ValueError:
            p.errors.append(f"close_period: {period[:20]!r} is not a period key; ignored.")
            period = ""
        qs = deal_drilldown(access=self.access, as_of=p.as_of, filters=p.filters, state=p.state, bucket=p.bucket,
                            period=period).order_by("-amount", "id")
        context.update(paginate(self.request, qs, per_page=50))
        context.update(p=p, errors=p.errors, close_period=period, back=self.querystring(p))
        return context


class DefinitionsView(TenantTemplateView):
    """The published definitions: the docstrings of the modules that compute the figures."""

    template_name = "performance/pipeline/definitions.html"

    def get_context_data(self, **kwargs):
        from performance.pipeline import inspection, metrics
        from performance.scorecards import engine

        context = super().get_context_data(**kwargs)
        context["sections"] = [("Pipeline metrics", metrics.__doc__), ("Pipeline inspection", inspection.__doc__),
                               ("Scorecards", engine.__doc__)]
        return context
