"""Pipeline API: the same selectors and definitions as the page and ``manage.py pipeline_metrics``.

GET /api/v1/t/<tenant>/pipeline/metrics/    the pipeline_metrics document (as_of + filters)
GET /api/v1/t/<tenant>/pipeline/overview/   coverage of a period and velocity, beside the metrics
GET /api/v1/t/<tenant>/pipeline/flow/       flow between flow_from and flow_to, pushed / pulled-in deals
GET /api/v1/t/<tenant>/pipeline/risks/      stuck and slipped deals with the stage norms
Query parameters everywhere: as_of (YYYY-MM-DD), period (2027-Q1), owner (ids, comma-separated),
team, region, segment, product. A bad value is a 400 naming it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from performance.pipeline import reads
from performance.pipeline.params import parse_params
from performance.pipeline.selectors import cached, pipeline_flow, pipeline_risks
from spm.api.base import TenantGenericViewSet
from spm.api.schema import READ_ERRORS, error_responses

FILTERS = [
    OpenApiParameter("tenant", OpenApiTypes.STR, OpenApiParameter.PATH, description="tenant slug"),
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="the day D (default today)"),
    OpenApiParameter("period", OpenApiTypes.STR, description="fiscal period key for coverage, e.g. 2027-Q1"),
    OpenApiParameter("owner", OpenApiTypes.STR, description="seller ids, comma-separated"),
    OpenApiParameter("team", OpenApiTypes.STR),
    OpenApiParameter("region", OpenApiTypes.STR),
    OpenApiParameter("segment", OpenApiTypes.STR),
    OpenApiParameter("product", OpenApiTypes.STR),
]
FLOW = [OpenApiParameter("flow_from", OpenApiTypes.DATE), OpenApiParameter("flow_to", OpenApiTypes.DATE)]
RESPONSES = {200: OpenApiTypes.OBJECT, **error_responses(400), **READ_ERRORS}


def jsonable(value):
    """Dates as ISO strings, Decimals as strings, recursively (dataclasses are left out by callers)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class PipelineViewSet(TenantGenericViewSet):
    serializer_class = serializers.Serializer  # answers are documented as objects; nothing is written

    def scope_queryset(self):  # pragma: no cover - no list/detail routes, only the actions below
        raise NotImplementedError

    def _params(self, request):
        p = parse_params(request.query_params, fy_start_month=self.access.tenant.fiscal_year_start_month)
        if p.errors:
            raise serializers.ValidationError({"detail": p.errors})
        return p

    @extend_schema(summary="Pipeline metrics as of a day (the pipeline_metrics document)", parameters=FILTERS,
                   responses=RESPONSES)
    @action(detail=False, methods=["get"])
    def metrics(self, request, *args, **kwargs):
        return Response(reads.metrics_document(access=self.access, p=self._params(request)))

    @extend_schema(summary="Coverage and velocity beside the metrics", parameters=FILTERS, responses=RESPONSES)
    @action(detail=False, methods=["get"])
    def overview(self, request, *args, **kwargs):
        o = reads.overview(access=self.access, p=self._params(request))
        return Response(jsonable({k: v for k, v in o.items() if k != "sellers"}))

    @extend_schema(summary="Pipeline flow between two days and close-date moves", parameters=FILTERS + FLOW,
                   responses=RESPONSES)
    @action(detail=False, methods=["get"])
    def flow(self, request, *args, **kwargs):
        p = self._params(request)
        return Response(jsonable(cached("flow", access=self.access, key_parts=(p.flow_from, p.flow_to, p.filters),
                                        compute=lambda: pipeline_flow(access=self.access, start=p.flow_from,
                                                                      end=p.flow_to, filters=p.filters))))

    @extend_schema(summary="Stuck and slipped deals", parameters=FILTERS, responses=RESPONSES)
    @action(detail=False, methods=["get"])
    def risks(self, request, *args, **kwargs):
        p = self._params(request)
        return Response(jsonable(cached("risks", access=self.access, key_parts=(p.as_of, p.filters),
                                        compute=lambda: pipeline_risks(access=self.access, as_of=p.as_of,
                                                                       filters=p.filters))))
