"""Holds API: list, place on a statement, release into an open month."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from compensation.holds.models import Hold
from compensation.holds.selectors import hold_list
from compensation.holds.services import hold_place, hold_release
from compensation.models import Statement
from compensation.selectors import statement_list
from spm.api.base import TenantGenericViewSet
from spm.api.fields import ScopedPrimaryKeyRelatedField
from spm.api.schema import READ_ERRORS, error_responses
from spm.fiscal import MONTH_KEY_PATTERN


class HoldSerializer(serializers.ModelSerializer):
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    status = serializers.CharField(read_only=True, help_text="held | released")

    class Meta:
        model = Hold
        fields = ["id", "statement", "seller", "seller_name", "period", "amount", "reason", "release_after", "status",
                  "release_period", "hold_adjustment", "release_adjustment", "created_at", "released_at"]
        read_only_fields = fields


class HoldPlaceSerializer(serializers.Serializer):
    statement = ScopedPrimaryKeyRelatedField(model=Statement, scope=lambda access: statement_list(access=access))
    pct = serializers.DecimalField(max_digits=5, decimal_places=4, required=False, help_text="Default: the tenant policy.")
    days = serializers.IntegerField(required=False, min_value=0, max_value=730)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class HoldReleaseSerializer(serializers.Serializer):
    period = serializers.RegexField(MONTH_KEY_PATTERN, help_text="Open month to post the release in.")
    reason = serializers.CharField(required=False, default="invoice paid", max_length=200)


class HoldFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Hold.Status.choices)
    statement = django_filters.NumberFilter(field_name="statement_id")


@extend_schema_view(
    list=extend_schema(summary="Holds of the sellers you may see", responses={200: HoldSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One hold", responses={200: HoldSerializer, **READ_ERRORS}),
)
class HoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = Hold.all_tenants.none()
    serializer_class = HoldSerializer
    filterset_class = HoldFilter
    action_capabilities = {"create": "payroll.export", "release": "payroll.export"}

    def scope_queryset(self):
        return hold_list(access=self.access).order_by("release_after", "id")

    @extend_schema(summary="Hold part of a statement's commission (posts −amount, recalculates the month)",
                   request=HoldPlaceSerializer, responses={201: HoldSerializer, **error_responses(400, 403, 409)})
    def create(self, request, *args, **kwargs):
        data = HoldPlaceSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        hold = hold_place(statement=v["statement"], actor=request.user, pct=v.get("pct"), days=v.get("days"),
                          reason=v.get("reason", ""))
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Release a hold into an open month (posts +amount, recalculates that month)",
                   request=HoldReleaseSerializer, responses={200: HoldSerializer, **error_responses(400, 403, 409)})
    @action(detail=True, methods=["post"])
    def release(self, request, *args, **kwargs):
        hold = self.get_object()
        data = HoldReleaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold = hold_release(hold=hold, period=data.validated_data["period"], actor=request.user,
                            reason=data.validated_data["reason"])
        return Response(HoldSerializer(hold).data)
