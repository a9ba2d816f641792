"""Estimator API: what an open deal would pay, through the calculation engine."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from compensation.estimator.views import estimate_for
from performance.selectors import opportunity_get
from spm.api.base import TenantAPIMixin
from spm.api.schema import error_responses
from spm.errors import ConflictError


class EstimateQuerySerializer(serializers.Serializer):
    deal = serializers.IntegerField(help_text="Id of an open deal you may see.")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, min_value=Decimal("0.01"),
                                      help_text="Close amount in the deal's currency (default: its amount).")
    close_date = serializers.DateField(required=False, help_text="Close date (default: the deal's).")


class EstimateLineSerializer(serializers.Serializer):
    component = serializers.CharField()
    kind = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    explanation = serializers.CharField()


class EstimateSerializer(serializers.Serializer):
    deal = serializers.CharField()
    seller = serializers.IntegerField(source="seller_id")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()
    close_date = serializers.DateField()
    period = serializers.CharField()
    earnings = serializers.DecimalField(max_digits=16, decimal_places=2)
    month_change = serializers.DecimalField(max_digits=16, decimal_places=2)
    plan_currency = serializers.CharField()
    lines = EstimateLineSerializer(many=True)
    note = serializers.CharField(help_text="Why the estimate is nothing when the lines do not say (no plan that day)")


class EstimateView(TenantAPIMixin, APIView):
    action_capabilities = {"get": "statements.view"}

    @extend_schema(summary="If this open deal closes for X on date Y, what the seller earns",
                   parameters=[EstimateQuerySerializer],
                   responses={200: EstimateSerializer, **error_responses(400, 403, 409)})
    def get(self, request, *args, **kwargs):
        query = EstimateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        deal = opportunity_get(access=self.access, pk=query.validated_data["deal"])
        if deal is None:
            raise NotFound("No such deal.")
        result = estimate_for(self.access, deal, query.validated_data.get("amount"), query.validated_data.get("close_date"))
        if "estimate" not in result:
            raise ConflictError(result["refusal"])
        return Response(EstimateSerializer(result["estimate"]).data)
