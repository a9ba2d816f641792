"""Scorecard pages: per rep, team and region, with the attainment distribution, leaderboards and
trends over quarters. Every member may open them; the rows are the viewer's visible sellers."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
from django.http import Http404, QueryDict

from performance.forecasting.selectors import cached
from performance.pipeline.params import parse_params
from performance.pipeline.selectors import PipelineFilters
from performance.scorecards import engine
from performance.scorecards.selectors import scorecard_data
from planning.selectors import seller_get, subtree_ids, visibility_key
from spm.fiscal import parse_period_key, quarter_key, shift_month
from spm.tenancy.views import TenantTemplateView
from spm.web.charts import BRAND, cached_chart, earnings_and_attainment, to_html

KINDS = ("seller", "team", "region")
TREND_QUARTERS = 6
PIPELINE_LINK_MAX_OWNERS = 200


def histogram_chart(hist: dict[str, int]) -> str:
    fig = go.Figure(go.Bar(x=list(hist), y=list(hist.values()), marker_color=BRAND,
                           hovertemplate="%{x}<br>%{y} people<extra></extra>"))
    fig.update_xaxes(type="category", title_text="Attainment of ramp-adjusted quota")
    fig.update_yaxes(title_text="People", dtick=1 if max(hist.values(), default=0) <= 8 else None)  # whole people
    return to_html(fig, height=260)


def trend_chart(rows: list[dict], *, currency: str) -> str:
    periods = [r["period"] for r in rows]
    bookings = [r["bookings"] for r in rows]
    attainment = {"Bookings": [r["attainment"] for r in rows]}
    html = earnings_and_attainment(periods, bookings, attainment, currency=currency)
    return html.replace("Earnings", "Bookings")


class _ScorecardBase(TenantTemplateView):
    def common(self):
        fy = self.access.tenant.fiscal_year_start_month
        p = parse_params(self.request.GET, fy_start_month=fy)
        start, _, _ = parse_period_key(p.period, fy)
        periods = [quarter_key(shift_month(start, 3 * i), fy) for i in range(-TREND_QUARTERS + 1, 2)]
        return p, fy, periods

    def trend(self, data, *, seller, as_of: date, fy: int) -> list[dict]:
        keys = engine.quarter_keys_back(as_of, TREND_QUARTERS, fy)
        return engine.trend(data["cells"], seller=seller, sellers=data["sellers"], quotas=data["quotas"], periods=keys,
                            fy_start_month=fy, meetings=data["meetings"])


class ScorecardsView(_ScorecardBase):
    template_name = "performance/scorecards/scorecards.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        p, fy, periods = self.common()
        kind = self.request.GET.get("kind") or "seller"
        if kind not in KINDS:
            p.errors.append(f"kind: {kind[:20]!r} is not one of seller, team, region; showing sellers.")
            kind = "seller"

        def compute():  # every deal and quota of the viewer's scope: cached per data version
            data = scorecard_data(access=self.access, as_of=p.as_of, filters=p.filters)
            cards = engine.scorecards(data["cells"], sellers=data["sellers"], quotas=data["quotas"], period=p.period,
                                      fy_start_month=fy, meetings=data["meetings"])
            trend = self.trend(data, seller=None, as_of=parse_period_key(p.period, fy)[0], fy=fy)
            teams = sorted({s.team for s in data["sellers"] if s.team})
            return cards, trend, teams, sorted({s.region for s in data["sellers"] if s.region})

        key = (visibility_key(self.access), p.as_of, sorted(p.filters.as_query().items()), p.period, fy)
        cards, trend, teams, regions = cached("scorecards", key, compute)
        hist = engine.attainment_histogram(cards["seller"])
        currency = self.access.tenant.base_currency
        base = QueryDict(mutable=True)
        base.update(p.filters.as_query())
        base["period"] = p.period
        base["as_of"] = p.as_of.isoformat()
        rows = cards[kind]
        for c in rows:  # drill-down: a seller's own card, or a team/region's sellers
            q = base.copy()
            if kind == "seller":
                c.href = f"sellers/{c.key}/?{base.urlencode()}"
            else:
                q[kind] = c.key
                q["kind"] = "seller"
                c.href = f"?{q.urlencode()}"
        people = engine.individual(cards["seller"])  # the distribution ranks people, not managers' teams
        attained = [c.figures["attainment"] for c in people if c.figures["attainment"] is not None]
        context.update(
            p=p, errors=p.errors, kind=kind, kinds=KINDS, rows=rows, periods=periods, currency=currency,
            hist=hist, hist_chart=cached_chart("scorecards.histogram", tuple(hist.items()), lambda: histogram_chart(hist))
            if attained else "",
            attained_count=len(attained), unquoted=len(people) - len(attained),
            median_attainment=sorted(attained)[len(attained) // 2] if attained else None,
            leaders=engine.leaderboard(cards["seller"], "attainment", 5),
            bookings_leaders=engine.leaderboard(cards["seller"], "bookings", 5),
            trend=trend, trend_chart=trend_chart(trend, currency=currency),
            teams=teams, regions=regions,
            query=base.urlencode(),
        )
        return context


class SellerScorecardView(_ScorecardBase):
    template_name = "performance/scorecards/seller.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seller = seller_get(access=self.access, pk=kwargs["pk"])
        if seller is None:
            raise Http404("No such seller")
        p, fy, periods = self.common()
        # A manager's card is their team's: everyone below them (whom a viewer of the manager may see too).
        team = frozenset(subtree_ids([seller.pk]))
        data = scorecard_data(access=self.access, as_of=p.as_of, filters=PipelineFilters(owner_ids=team))
        info = next(s for s in data["sellers"] if s.id == seller.pk)
        card = next(c for c in engine.scorecards(data["cells"], sellers=data["sellers"], quotas=data["quotas"],
                                                 period=p.period, fy_start_month=fy,
                                                 meetings=data["meetings"])["seller"] if c.key == str(seller.pk))
        trend = self.trend(data, seller=info, as_of=parse_period_key(p.period, fy)[0], fy=fy)
        currency = self.access.tenant.base_currency
        # The pipeline behind the card: a manager's is their team's (a very large team: the viewer's whole scope,
        # which for the manager themselves is that team, rather than a URL of thousands of ids).
        team_ids = sorted(card.seller_ids)
        pipeline_owner = ",".join(map(str, team_ids)) if len(team_ids) <= PIPELINE_LINK_MAX_OWNERS else ""
        context.update(p=p, errors=p.errors, seller=seller, card=card, f=card.figures, periods=periods, trend=trend,
                       pipeline_owner=pipeline_owner,
                       trend_chart=trend_chart(trend, currency=currency), currency=currency, role=info.role_type)
        return context

