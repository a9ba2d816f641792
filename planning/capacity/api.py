"""Capacity scenarios and quota sets in the REST API, on the tenant viewset base.

Service refusals (DomainError) become 400/409 with the field named, in spm.api.exceptions.

Reads: `planning.view` roles (a manager's roster/allocations are their subtree). Writes:
`capacity.edit` (scenarios) and `quotas.edit` (quota sets), each through one service.
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from planning.api.serializers import visible_seller_field
from planning.capacity import engine, services
from planning.capacity.models import CapacityRosterMember, CapacityScenario
from planning.capacity.selectors import capacity_scenario_list, roster_list, scenario_result
from planning.quotas import services as quota_services
from planning.quotas.models import QuotaAllocation, QuotaSet
from planning.quotas.selectors import allocation_list, quota_set_list
from spm.api.base import TenantGenericViewSet
from spm.api.schema import READ_ERRORS, error_responses


def result_data(result: engine.CapacityResult) -> dict:
    """The command's JSON plus the plan's price and the per-month target."""
    data = engine.result_to_dict(result)
    data["target"] = str(engine.money(result.target))
    data["variable_pay"] = str(engine.money(result.variable_pay))
    data["cost_of_sales"] = None if result.cost_of_sales is None else str(
        engine.quantity(result.cost_of_sales))
    return data


class RosterMemberSerializer(serializers.ModelSerializer):
    seller = visible_seller_field(required=False, allow_null=True)
    hypothetical = serializers.BooleanField(read_only=True)
    name = serializers.CharField(max_length=200, required=False)
    target_incentive = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)

    class Meta:
        model = CapacityRosterMember
        fields = ["id", "seller", "name", "segment", "hire_date", "end_date", "target_incentive", "hypothetical"]
        read_only_fields = ["id", "hypothetical"]

    def validate(self, attrs):
        if not attrs.get("seller") and not attrs.get("name"):
            raise serializers.ValidationError({"name": "a hypothetical seller (no seller id) needs a name"})
        return attrs


class CapacityScenarioSerializer(serializers.ModelSerializer):
    target = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    over_assignment = serializers.DecimalField(max_digits=6, decimal_places=4, min_value=0, required=False)
    attrition = serializers.DecimalField(max_digits=6, decimal_places=4, min_value=0, max_value=1, required=False)
    segments = serializers.ListField(child=serializers.DictField(), help_text="[{name, productivity, ramp_months | ramp_curve, target_incentive?}]")
    hires = serializers.ListField(child=serializers.DictField(), required=False, help_text="[{segment, count, start: YYYY-MM}]")
    # Plain strings in the schema: a second "status" enum would collide with the statements' one.
    status = serializers.CharField(read_only=True, help_text="draft | published | archived")
    year = serializers.IntegerField(min_value=1900, max_value=2999)  # dates of the year must exist (no 500)
    roster = RosterMemberSerializer(many=True, required=False,
                                    help_text="Omit on create to take the tenant's sellers")

    class Meta:
        model = CapacityScenario
        fields = ["id", "name", "year", "target", "over_assignment", "attrition", "replace_attrition", "segments",
                  "hires", "gap_segment", "gap_start", "status", "copied_from", "published_at", "override_reason",
                  "roster"]
        read_only_fields = ["id", "status", "copied_from", "published_at", "override_reason"]


class CapacityScenarioDetailSerializer(CapacityScenarioSerializer):
    result = serializers.SerializerMethodField()

    class Meta(CapacityScenarioSerializer.Meta):
        fields = [*CapacityScenarioSerializer.Meta.fields, "result"]

    @extend_schema(responses={200: dict})
    def get_result(self, obj) -> dict:
        return result_data(scenario_result(obj)[1])


class PublishSerializer(serializers.Serializer):
    override_reason = serializers.CharField(required=False, allow_blank=True)


def _roster(items):
    if items is None:
        return None
    return [services.roster_member(name=i.get("name") or i["seller"].name, segment=i["segment"], seller=i.get("seller"),
                                   hire_date=i.get("hire_date"), end_date=i.get("end_date"),
                                   target_incentive=i.get("target_incentive")) for i in items]


@extend_schema_view(
    list=extend_schema(summary="Capacity scenarios", responses={200: CapacityScenarioSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One scenario with its computed capacity",
                           responses={200: CapacityScenarioDetailSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Create a draft scenario", responses={201: CapacityScenarioDetailSerializer,
                                                                       **error_responses(400, 403)}),
    partial_update=extend_schema(summary="Change a draft scenario", responses={
        200: CapacityScenarioDetailSerializer, **error_responses(400, 403, 409)}),
)
class CapacityScenarioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                              mixins.UpdateModelMixin, TenantGenericViewSet):
    queryset = CapacityScenario.all_tenants.none()
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_capabilities = {"list": "planning.view", "retrieve": "planning.view", "create": "capacity.edit",
                           "partial_update": "capacity.edit", "copy": "capacity.edit", "publish": "capacity.edit"}

    def scope_queryset(self):
        return capacity_scenario_list().prefetch_related("roster")

    def get_serializer_class(self):
        if self.action == "publish":
            return PublishSerializer
        return CapacityScenarioDetailSerializer if self.action != "list" else CapacityScenarioSerializer

    def _render(self, scenario, code=status.HTTP_200_OK):
        scenario = CapacityScenario.objects.get(pk=scenario.pk)
        data = CapacityScenarioDetailSerializer(scenario, context=self.get_serializer_context()).data
        data["roster"] = RosterMemberSerializer(roster_list(scenario=scenario, access=self.access), many=True).data
        return Response(data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._render(self.get_object())

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = page if page is not None else list(self.get_queryset())
        data = [{k: v for k, v in CapacityScenarioSerializer(s, context=self.get_serializer_context()).data.items()
                 if k != "roster"} for s in rows]
        return self.get_paginated_response(data) if page is not None else Response(data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        roster = _roster(data.pop("roster", None))
        scenario = services.capacity_scenario_create(**data, roster=roster, actor=request.user)
        return self._render(scenario, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        scenario = self.get_object()
        serializer = self.get_serializer(scenario, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        roster = _roster(data.pop("roster", None))
        services.capacity_scenario_update(scenario=scenario, roster=roster, actor=request.user, **data)
        return self._render(scenario)

    @extend_schema(summary="Copy a scenario into a new draft", request=None,
                   responses={201: CapacityScenarioDetailSerializer, **error_responses(403)})
    @action(detail=True, methods=["post"])
    def copy(self, request, *args, **kwargs):
        copy = services.capacity_scenario_copy(scenario=self.get_object(), actor=request.user)
        return self._render(copy, status.HTTP_201_CREATED)

    @extend_schema(summary="Publish a draft (override_reason needed when quotas exceed capacity)",
                   request=PublishSerializer,
                   responses={200: CapacityScenarioDetailSerializer, **error_responses(400, 403, 409)})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        scenario = self.get_object()
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        scenario = services.capacity_scenario_publish(
            scenario=scenario, actor=request.user, override_reason=serializer.validated_data.get("override_reason", ""))
        return self._render(scenario)


class AllocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuotaAllocation
        fields = ["id", "seller", "label", "amount", "months", "capacity", "source", "above_capacity"]
        read_only_fields = fields


class QuotaSetSerializer(serializers.ModelSerializer):
    scenario = serializers.PrimaryKeyRelatedField(queryset=CapacityScenario.all_tenants.none())
    potentials = serializers.DictField(child=serializers.DecimalField(max_digits=18, decimal_places=2), write_only=True,
                                       required=False, help_text="{seller id: territory potential}")
    attainment = serializers.DictField(child=serializers.DecimalField(max_digits=8, decimal_places=4), write_only=True,
                                       required=False, help_text="{seller id: trailing attainment as a fraction}")
    seasonality = serializers.ListField(child=serializers.DecimalField(max_digits=8, decimal_places=4, min_value=0),
                                        required=False)
    effective_from = serializers.CharField(required=False)
    blend_weight = serializers.DecimalField(max_digits=5, decimal_places=4, required=False)
    status = serializers.CharField(read_only=True, help_text="draft | published | superseded")

    class Meta:
        model = QuotaSet
        fields = ["id", "scenario", "version", "measure", "method", "blend_weight", "seasonality", "effective_from",
                  "total", "status", "override_reason", "published_at", "potentials", "attainment"]
        read_only_fields = ["id", "version", "total", "status", "override_reason", "published_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.context.get("access") is not None:
            fields["scenario"].queryset = capacity_scenario_list()
        return fields


class QuotaSetDetailSerializer(QuotaSetSerializer):
    allocations = serializers.SerializerMethodField()

    class Meta(QuotaSetSerializer.Meta):
        fields = [*QuotaSetSerializer.Meta.fields, "allocations"]

    @extend_schema(responses={200: AllocationSerializer(many=True)})
    def get_allocations(self, obj) -> list:
        return AllocationSerializer(allocation_list(quota_set=obj, access=self.context.get("access")), many=True).data


@extend_schema_view(
    list=extend_schema(summary="Quota sets", responses={200: QuotaSetSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One quota set with its allocations", responses={200: QuotaSetDetailSerializer,
                                                                                   **READ_ERRORS}),
    create=extend_schema(summary="Allocate a published scenario's quota to assign (a new draft version)",
                         responses={201: QuotaSetDetailSerializer, **error_responses(400, 403, 409)}),
)
class QuotaSetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantGenericViewSet):
    queryset = QuotaSet.all_tenants.none()
    action_capabilities = {"list": "planning.view", "retrieve": "planning.view", "create": "quotas.edit",
                           "publish": "quotas.edit"}

    def scope_queryset(self):
        return quota_set_list()

    def get_serializer_class(self):
        if self.action == "publish":
            return PublishSerializer
        return QuotaSetSerializer if self.action == "list" else QuotaSetDetailSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        ids = lambda m: None if m is None else {int(k): v for k, v in m.items() if str(k).isascii() and str(k).isdigit()}  # noqa: E731
        qset = quota_services.quota_set_create(
            scenario=d["scenario"], actor=request.user, method=d.get("method", "capacity"),
            blend_weight=d.get("blend_weight", 0), seasonality=d.get("seasonality"),
            effective_from=d.get("effective_from"), measure=d.get("measure", "bookings"),
            potentials=ids(d.get("potentials")), attainment=ids(d.get("attainment")),
        )
        return Response(QuotaSetDetailSerializer(qset, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Publish: write the sellers' quotas from the effective month (override_reason when "
                           "a quota exceeds reachable capacity)", request=PublishSerializer,
                   responses={200: QuotaSetDetailSerializer, **error_responses(400, 403, 409)})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        qset = self.get_object()
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        qset = quota_services.quota_set_publish(
            quota_set=qset, actor=request.user, override_reason=serializer.validated_data.get("override_reason", ""))
        return Response(QuotaSetDetailSerializer(qset, context=self.get_serializer_context()).data)


__all__ = ["CapacityScenarioViewSet", "QuotaSetViewSet"]
