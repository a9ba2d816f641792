"""Pay pillar API: comp plans, assignments, statements (publish, approve, export), adjustments, runs.

Reads go through `compensation.selectors` (which compose the one visibility rule); writes call
`compensation.services` / `compensation.exports` and nothing else. Domain errors raised by the
services (refused approval, run already in progress) become 403/409 answers with their message
in `spm.api.exceptions`.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from compensation import exports, selectors, services
from compensation.api.serializers import (
    AdjustmentSerializer,
    CalculationRequestSerializer,
    CalculationRunSerializer,
    CompPlanCreateSerializer,
    CompPlanSerializer,
    ExportStatementSerializer,
    LineSerializer,
    PlanAssignmentSerializer,
    StatementDetailSerializer,
    StatementExportQuerySerializer,
    StatementSerializer,
)
from compensation.models import Adjustment, CalculationRun, CompPlan, EarningLine, PlanAssignment, Statement
from spm.api.base import TenantGenericViewSet, TenantReadOnlyViewSet
from spm.api.schema import READ_ERRORS, error_responses

WRITE_ERRORS = error_responses(400, 403)
ACTION_ERRORS = error_responses(403, 409)

# --- plans ----------------------------------------------------------------------------------
class CompPlanFilter(django_filters.FilterSet):
    name = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=CompPlan.Status.choices)


class CalculationRunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CalculationRun.Status.choices)



@extend_schema_view(
    list=extend_schema(summary="Comp plans (every version)", responses={200: CompPlanSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One comp plan version", responses={200: CompPlanSerializer, **READ_ERRORS}),
)
class CompPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = CompPlan.all_tenants.none()  # model for the schema only; data comes from scope_queryset
    serializer_class = CompPlanSerializer
    filterset_class = CompPlanFilter
    action_capabilities = {"create": "plans.edit", "publish": "plans.edit"}

    def scope_queryset(self):
        return selectors.plan_list().select_related("published_by")

    def get_serializer_class(self):
        return CompPlanCreateSerializer if self.action == "create" else CompPlanSerializer

    @extend_schema(
        summary="Create the next version of a plan from its JSON document",
        description="Validation errors are listed per field of the document, e.g. `components[0].tiers[1].rate`.",
        request=CompPlanCreateSerializer,
        responses={201: CompPlanSerializer, **WRITE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            plan = services.comp_plan_create(**serializer.validated_data, actor=request.user)
        except services.PlanDocumentError as exc:
            raise ValidationError({"document": exc.by_field()}) from exc
        return Response(CompPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Publish a draft plan (published versions are immutable)", request=None,
                   responses={200: CompPlanSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        plan = services.comp_plan_publish(plan=self.get_object(), actor=request.user)
        return Response(CompPlanSerializer(plan).data)


class PlanAssignmentFilter(django_filters.FilterSet):
    seller = django_filters.NumberFilter(field_name="seller_id")
    plan = django_filters.NumberFilter(field_name="plan_id")


@extend_schema_view(
    list=extend_schema(summary="Plan assignments of the sellers you may see",
                       responses={200: PlanAssignmentSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One plan assignment", responses={200: PlanAssignmentSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Assign a plan to a seller (upsert by seller, plan and start date)",
                         responses={201: PlanAssignmentSerializer, **WRITE_ERRORS}),
)
class PlanAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantGenericViewSet):
    queryset = PlanAssignment.all_tenants.none()
    serializer_class = PlanAssignmentSerializer
    filterset_class = PlanAssignmentFilter
    action_capabilities = {"create": "plans.edit"}

    def scope_queryset(self):
        return selectors.assignment_list(access=self.access)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.plan_assignment_upsert(
            seller=data["seller"], plan=data["plan"], start_date=data["start_date"],
            end_date=data.get("end_date"), target_incentive=data.get("target_incentive", 0), actor=self.request.user,
        )


# --- statements -----------------------------------------------------------------------------


class StatementFilter(django_filters.FilterSet):
    seller = django_filters.NumberFilter(field_name="seller_id")
    period = django_filters.CharFilter(help_text="Pay month, e.g. 2027-01.")
    status = django_filters.ChoiceFilter(choices=Statement.Status.choices)


class CSVRenderer(renderers.BaseRenderer):
    """Passes through the CSV text built by `compensation.exports.statements_csv`."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode(self.charset)
        # An error answer on the CSV route (bad query, no permission): still readable text.
        return str(data.get("detail", data) if isinstance(data, dict) else data).encode(self.charset)


@extend_schema_view(
    list=extend_schema(summary="Statements you may see (reps and managers: published and later)",
                       responses={200: StatementSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One statement with its lines", responses={200: StatementDetailSerializer, **READ_ERRORS}),
)
class StatementViewSet(TenantReadOnlyViewSet):
    queryset = Statement.all_tenants.none()
    serializer_class = StatementSerializer
    filterset_class = StatementFilter
    action_capabilities = {
        "list": "statements.view",
        "retrieve": "statements.view",
        "publish": "statements.publish",
        "approve": "statements.approve",
        "export": "statements.view_all",
    }

    def scope_queryset(self):
        qs = selectors.statement_list(access=self.access)
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("lines", queryset=EarningLine.objects.order_by("position", "id")))
        return qs

    def get_serializer_class(self):
        return StatementDetailSerializer if self.action == "retrieve" else StatementSerializer

    @extend_schema(summary="Publish a draft statement to the rep", request=None,
                   responses={200: StatementSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        statement = services.statement_publish(statement=self.get_object(), actor=request.user)
        return Response(StatementSerializer(statement).data)

    @extend_schema(
        summary="Approve a published statement",
        description="Refused (403, with the reason) for the person who prepared or adjusted it; 409 unless published.",
        request=None,
        responses={200: StatementSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        from compensation.routing.services import statement_route_approve  # the tenant's approval route

        statement = statement_route_approve(statement=self.get_object(), actor=request.user)
        return Response(StatementSerializer(statement).data)

    @extend_schema(
        summary="Export statements of a period range (JSON or CSV)",
        parameters=[
            StatementExportQuerySerializer,
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="json (default) or csv"),
        ],
        responses={
            (200, "application/json"): ExportStatementSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per statement line."),
            **error_responses(400, 403),
        },
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[],
            renderer_classes=[renderers.JSONRenderer, CSVRenderer])
    def export(self, request, *args, **kwargs):
        query = StatementExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = exports.statements_export(
            period_from=query.validated_data["period"], period_through=query.validated_data.get("through")
        )
        if getattr(request.accepted_renderer, "format", None) == "csv":
            through = query.validated_data.get("through") or query.validated_data["period"]
            filename = f"statements-{self.access.tenant.slug}-{query.validated_data['period']}-{through}.csv"
            return Response(
                exports.statements_csv(rows), headers={"Content-Disposition": f'attachment; filename="{filename}"'}
            )
        return Response(rows)


class EarningLineFilter(django_filters.FilterSet):
    statement = django_filters.NumberFilter(field_name="statement_id")
    seller = django_filters.NumberFilter(field_name="seller_id")
    period = django_filters.CharFilter()
    deal = django_filters.CharFilter(field_name="deal_external_id", help_text="The deal's external id.")
    kind = django_filters.ChoiceFilter(choices=EarningLine.Kind.choices)


@extend_schema_view(
    list=extend_schema(summary="Statement lines of the statements you may see (filter by statement, deal, period…)",
                       responses={200: LineSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One statement line", responses={200: LineSerializer, **READ_ERRORS}),
)
class EarningLineViewSet(TenantReadOnlyViewSet):
    """Lines on their own (what a deal earned across statements, the line a dispute names); visibility is
    the statements' (reps and managers never see draft lines)."""

    queryset = EarningLine.all_tenants.none()
    serializer_class = LineSerializer
    filterset_class = EarningLineFilter
    action_capabilities = {"list": "statements.view", "retrieve": "statements.view"}

    def scope_queryset(self):
        visible = selectors.statement_list(access=self.access).order_by().values("id")
        return EarningLine.objects.filter(statement__in=visible).order_by("period", "statement_id", "position", "id")


# --- adjustments and runs -------------------------------------------------------------------


class AdjustmentFilter(django_filters.FilterSet):
    seller = django_filters.NumberFilter(field_name="seller_id")
    period = django_filters.CharFilter()


@extend_schema_view(
    list=extend_schema(summary="Adjustments of the sellers you may see",
                       responses={200: AdjustmentSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One adjustment", responses={200: AdjustmentSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Add an adjustment line (refused in a closed period)",
                         responses={201: AdjustmentSerializer, **WRITE_ERRORS, **error_responses(409)}),
)
class AdjustmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantGenericViewSet):
    queryset = Adjustment.all_tenants.none()
    serializer_class = AdjustmentSerializer
    filterset_class = AdjustmentFilter
    action_capabilities = {"create": "statements.adjust"}

    def scope_queryset(self):
        return selectors.adjustment_list(access=self.access)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.adjustment_create(
            seller=data["seller"], period=data["period"], amount=data["amount"], reason=data["reason"],
            actor=self.request.user,
        )


@extend_schema_view(
    list=extend_schema(summary="Calculation runs with status and progress",
                       responses={200: CalculationRunSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One run: poll it for progress", responses={200: CalculationRunSerializer, **READ_ERRORS}),
)
class CalculationRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = CalculationRun.all_tenants.none()
    serializer_class = CalculationRunSerializer
    filterset_class = CalculationRunFilter
    action_capabilities = {"create": "calculation.run"}

    def scope_queryset(self):
        return selectors.run_list()

    def get_serializer_class(self):
        return CalculationRequestSerializer if self.action == "create" else CalculationRunSerializer

    @extend_schema(
        summary="Start a calculation of a period range",
        description="Answers 202 with the queued run; poll it for progress. 409 while an overlapping run is queued or running.",
        request=CalculationRequestSerializer,
        responses={202: CalculationRunSerializer, **WRITE_ERRORS, **error_responses(409)},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.calculation_request(**serializer.validated_data, requested_by=request.user)
        return Response(CalculationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
