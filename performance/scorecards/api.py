"""Scorecards API: GET /api/v1/t/<tenant>/scorecards/?period=2027-Q1&kind=seller|team|region[&team=&region=]

The same cards as the page (ramp-adjusted attainment, win rate, average deal, cycle, coverage,
velocity, role KPIs) plus the attainment distribution of the sellers in the viewer's scope. A manager's
card is their team's (``seller_ids`` lists it, ``reports`` counts those below them); the distribution
counts individual contributors.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from performance.pipeline.api import FILTERS, RESPONSES
from performance.pipeline.params import parse_params
from performance.scorecards import engine
from performance.scorecards.selectors import scorecard_data
from spm.api.base import TenantGenericViewSet

KIND = OpenApiParameter("kind", OpenApiTypes.STR, enum=["seller", "team", "region"], description="default seller")


class ScorecardViewSet(TenantGenericViewSet):
    serializer_class = serializers.Serializer  # answers are documented as objects; nothing is written

    def scope_queryset(self):  # pragma: no cover - only the list action below, which reads selectors
        raise NotImplementedError

    @extend_schema(summary="Scorecards of the sellers, teams or regions you may see", parameters=[*FILTERS, KIND],
                   responses=RESPONSES)
    def list(self, request, *args, **kwargs):
        fy = self.access.tenant.fiscal_year_start_month
        p = parse_params(request.query_params, fy_start_month=fy)
        kind = request.query_params.get("kind") or "seller"
        if kind not in ("seller", "team", "region"):
            p.errors.append(f"kind: {kind[:20]!r} is not one of seller, team, region.")
        if p.errors:
            raise serializers.ValidationError({"detail": p.errors})
        data = scorecard_data(access=self.access, as_of=p.as_of, filters=p.filters)
        cards = engine.scorecards(data["cells"], sellers=data["sellers"], quotas=data["quotas"], period=p.period,
                                  fy_start_month=fy, meetings=data["meetings"])
        return Response({
            "period": p.period,
            "currency": self.access.tenant.base_currency,
            "kind": kind,
            "attainment_distribution": engine.attainment_histogram(cards["seller"]),
            "cards": [{"key": c.key, "label": c.label, "role_type": c.role_type, "seller_ids": c.seller_ids,
                       "reports": c.reports, **c.figures}
                      for c in cards[kind]],
        })
