"""Payroll batches API: list, retrieve, create (marks the statements paid), CSV export."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from compensation.payroll.models import PayrollBatch, PayrollBatchItem
from compensation.payroll.selectors import batch_list
from compensation.payroll.services import payroll_batch_create, payroll_csv
from spm.api.base import TenantGenericViewSet
from spm.api.schema import READ_ERRORS, error_responses
from spm.fiscal import MONTH_KEY_PATTERN


class PayrollBatchItemSerializer(serializers.ModelSerializer):
    employee_id = serializers.CharField(source="seller.external_id", read_only=True)
    name = serializers.CharField(source="seller.name", read_only=True)

    class Meta:
        model = PayrollBatchItem
        fields = ["statement", "seller", "employee_id", "name", "amount"]
        read_only_fields = fields


class PayrollBatchSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.email", read_only=True, default=None)

    class Meta:
        model = PayrollBatch
        fields = ["id", "period", "currency", "statement_count", "total", "created_by", "created_at"]
        read_only_fields = fields


class PayrollBatchDetailSerializer(PayrollBatchSerializer):
    items = PayrollBatchItemSerializer(many=True, read_only=True)

    class Meta(PayrollBatchSerializer.Meta):
        fields = [*PayrollBatchSerializer.Meta.fields, "items"]
        read_only_fields = fields


class PayrollBatchCreateSerializer(serializers.Serializer):
    period = serializers.RegexField(MONTH_KEY_PATTERN, help_text="Pay month, e.g. 2027-01.")
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(summary="Payroll batches", responses={200: PayrollBatchSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One batch with its statements", responses={200: PayrollBatchDetailSerializer, **READ_ERRORS}),
)
class PayrollBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = PayrollBatch.all_tenants.none()
    serializer_class = PayrollBatchSerializer
    action_capabilities = {"list": "payroll.export", "retrieve": "payroll.export", "create": "payroll.export",
                           "export": "payroll.export"}

    def scope_queryset(self):
        qs = batch_list()
        if self.action == "retrieve":
            qs = qs.prefetch_related("items__seller")
        return qs

    def get_serializer_class(self):
        return PayrollBatchDetailSerializer if self.action == "retrieve" else PayrollBatchSerializer

    @extend_schema(summary="Export the approved statements of a month and currency; marks them paid",
                   request=PayrollBatchCreateSerializer,
                   responses={201: PayrollBatchDetailSerializer, **error_responses(400, 403, 409)})
    def create(self, request, *args, **kwargs):
        data = PayrollBatchCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = payroll_batch_create(period=data.validated_data["period"],
                                     currency=data.validated_data.get("currency") or None, actor=request.user)
        return Response(PayrollBatchDetailSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The batch as payroll CSV", responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
                                                                  **READ_ERRORS})
    @action(detail=True, methods=["get"], url_path="csv")
    def export(self, request, *args, **kwargs):
        batch = self.get_object()
        response = HttpResponse(payroll_csv(batch=batch), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payroll-{batch.period}-{batch.currency}-{batch.pk}.csv"'
        return response
