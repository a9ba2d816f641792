"""Pay pillar API serializers: plans, assignments, statements and lines, adjustments, runs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compensation.models import Adjustment, CalculationRun, CompPlan, EarningLine, PlanAssignment, Statement
from compensation.selectors import plan_list
from planning.api.serializers import visible_seller_field
from spm.api.fields import ScopedPrimaryKeyRelatedField
from spm.fiscal import MONTH_KEY_PATTERN

MONTH_HELP = "A pay month, e.g. 2027-01."


class CompPlanSerializer(serializers.ModelSerializer):
    published_by = serializers.CharField(source="published_by.email", read_only=True, default=None)

    class Meta:
        model = CompPlan
        fields = [
            "id", "name", "version", "currency", "status", "effective_from", "effective_to",
            "published_at", "published_by", "created_at", "document",
        ]
        read_only_fields = fields


class CompPlanCreateSerializer(serializers.Serializer):
    """A plan document (the JSON of DESIGN.md); the service validates it and lists every error."""

    document = serializers.JSONField(help_text="The comp plan document: name, currency, components, clawback?, draw?")
    effective_from = serializers.DateField(required=False, allow_null=True, default=None)
    publish = serializers.BooleanField(required=False, default=False)

    def validate_document(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("must be a JSON object")
        return value


class PlanAssignmentSerializer(serializers.ModelSerializer):
    seller = visible_seller_field()
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    plan = ScopedPrimaryKeyRelatedField(model=CompPlan, scope=lambda access: plan_list())
    plan_name = serializers.CharField(source="plan.__str__", read_only=True)
    target_incentive = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, default=0)

    class Meta:
        model = PlanAssignment
        fields = ["id", "seller", "seller_name", "plan", "plan_name", "start_date", "end_date", "target_incentive"]
        validators: list = []  # (seller, plan, start_date) is the upsert key of plan_assignment_upsert


class EarningLineSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    deal = serializers.CharField(source="deal_external_id", read_only=True)
    explanation = serializers.CharField(source="explanation_text", read_only=True)

    class Meta:
        model = EarningLine
        fields = [
            "id", "position", "plan_name", "component", "kind", "deal", "opportunity", "credit_kind", "credit",
            "quota", "quota_period", "attainment_before", "attainment_after", "rate", "amount",
            "explanation", "adjustment",
        ]
        read_only_fields = fields


class LineSerializer(EarningLineSerializer):
    """A line on its own: which statement, seller and month it belongs to."""

    class Meta(EarningLineSerializer.Meta):
        fields = ["id", "statement", "seller", "period", *EarningLineSerializer.Meta.fields[1:]]
        read_only_fields = fields


@extend_schema_field({"type": "string", "description": "draft | published | approved | paid"})
class StatementStatusField(serializers.ChoiceField):
    """A plain string in the schema: a named `status` enum shared by the list and detail components
    collides with the plan and run `status` enums (drf-spectacular warns); an ENUM_NAME_OVERRIDES
    entry in the settings would let this be an enum again."""

    def __init__(self, **kwargs):
        super().__init__(choices=Statement.Status.choices, **kwargs)


class StatementSerializer(serializers.ModelSerializer):
    status = StatementStatusField(read_only=True)
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    prepared_by = serializers.CharField(source="prepared_by.email", read_only=True, default=None)
    approved_by = serializers.CharField(source="approved_by.email", read_only=True, default=None)
    inputs_changed = serializers.BooleanField(
        read_only=True, default=False,
        help_text="True when a deal, split, quota, assignment, adjustment or FX rate of this seller's month changed "
                  "after the statement was calculated: recalculate the month to bring it up to date.",
    )

    class Meta:
        model = Statement
        fields = [
            "id", "seller", "seller_name", "period", "currency", "total", "status", "attainment",
            "prepared_by", "published_at", "approved_by", "approved_at", "paid_at", "updated_at", "inputs_changed",
        ]
        read_only_fields = fields


class StatementDetailSerializer(StatementSerializer):
    lines = EarningLineSerializer(many=True, read_only=True)

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "lines"]
        read_only_fields = fields


class StatementExportQuerySerializer(serializers.Serializer):
    period = serializers.RegexField(MONTH_KEY_PATTERN, help_text="First pay month, e.g. 2027-01.")
    through = serializers.RegexField(MONTH_KEY_PATTERN, required=False, help_text="Last pay month (default: period).")

    def validate(self, attrs):
        if attrs.get("through") and attrs["through"] < attrs["period"]:
            raise serializers.ValidationError({"through": "must not be before period"})
        return attrs


class ExportLineSerializer(serializers.Serializer):
    component = serializers.CharField()
    kind = serializers.CharField()
    deal = serializers.CharField(allow_null=True)
    amount = serializers.CharField()
    credit = serializers.CharField(allow_null=True)
    attainment_before = serializers.CharField(allow_null=True)
    attainment_after = serializers.CharField(allow_null=True)
    rate = serializers.CharField(allow_null=True)
    explanation = serializers.CharField()


class ExportStatementSerializer(serializers.Serializer):
    """Schema of one exported statement (the JSON of `export_statements`); amounts are strings."""

    seller = serializers.CharField(help_text="Seller external id.")
    seller_name = serializers.CharField()
    period = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.CharField()
    total = serializers.CharField()
    lines = ExportLineSerializer(many=True)
    attainment = serializers.DictField(child=serializers.CharField())


class AdjustmentSerializer(serializers.ModelSerializer):
    seller = visible_seller_field()
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    period = serializers.RegexField(MONTH_KEY_PATTERN, help_text=MONTH_HELP)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    created_by = serializers.CharField(source="created_by.email", read_only=True, default=None)

    class Meta:
        model = Adjustment
        fields = ["id", "seller", "seller_name", "period", "amount", "reason", "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]


class CalculationRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.email", read_only=True, default=None)

    class Meta:
        model = CalculationRun
        fields = [
            "id", "period_from", "period_through", "status", "progress", "message", "line_count",
            "statement_count", "requested_by", "created_at", "started_at", "finished_at",
        ]
        read_only_fields = fields


class CalculationRequestSerializer(serializers.Serializer):
    period_from = serializers.RegexField(MONTH_KEY_PATTERN, help_text=MONTH_HELP)
    period_through = serializers.RegexField(MONTH_KEY_PATTERN, required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if attrs.get("period_through") and attrs["period_through"] < attrs["period_from"]:
            raise serializers.ValidationError({"period_through": "must not be before period_from"})
        return attrs
