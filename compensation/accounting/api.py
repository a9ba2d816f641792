"""ASC 340-40 API: the monthly commission journal (finance)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from compensation.accounting.selectors import journal_rows
from spm.api.base import TenantAPIMixin
from spm.api.schema import error_responses
from spm.fiscal import MONTH_KEY_PATTERN


class JournalRowSerializer(serializers.Serializer):
    period = serializers.CharField()
    opening_balance = serializers.DecimalField(max_digits=16, decimal_places=2)
    capitalised = serializers.DecimalField(max_digits=16, decimal_places=2)
    amortisation_expense = serializers.DecimalField(source="amortisation", max_digits=16, decimal_places=2)
    expensed_as_incurred = serializers.DecimalField(source="expensed", max_digits=16, decimal_places=2)
    total_expense = serializers.DecimalField(max_digits=16, decimal_places=2)
    closing_balance = serializers.DecimalField(max_digits=16, decimal_places=2)
    statements_total = serializers.DecimalField(max_digits=16, decimal_places=2)


class ThroughSerializer(serializers.Serializer):
    through = serializers.RegexField(MONTH_KEY_PATTERN, required=False)


class JournalView(TenantAPIMixin, APIView):
    action_capabilities = {"get": "accounting.view"}

    @extend_schema(summary="Commission journal per month: capitalised, amortisation, closing balance",
                   parameters=[OpenApiParameter("through", str, description="Last month, e.g. 2027-12.")],
                   responses={200: JournalRowSerializer(many=True), **error_responses(400, 403)})
    def get(self, request, *args, **kwargs):
        query = ThroughSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows, totals = journal_rows(through=query.validated_data.get("through"))
        for r in rows:
            r.statements_total = totals.get(r.period, 0)
        return Response(JournalRowSerializer(rows, many=True).data)
