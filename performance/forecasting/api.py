"""Forecasting API: the period's forecast summary, the backtest, submissions, overrides, model training."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from performance.forecasting import selectors, services
from performance.forecasting.models import ForecastOverride, ForecastSubmission, WinModelRun
from planning.api.serializers import visible_seller_field
from planning.selectors import viewer_sellers
from spm.api.base import TenantGenericViewSet
from spm.api.schema import READ_ERRORS, error_responses
from spm.fiscal import PERIOD_KEY_PATTERN

WRITE_ERRORS = error_responses(400, 403)
PERIOD = OpenApiParameter("period", OpenApiTypes.STR, description="fiscal quarter, e.g. 2027-Q1 (default: current)")


class ForecastSubmissionSerializer(serializers.ModelSerializer):
    seller_name = serializers.CharField(source="seller.name", read_only=True)

    class Meta:
        model = ForecastSubmission
        fields = ["id", "seller", "seller_name", "period", "commit", "best_case", "note", "submitted_at"]
        read_only_fields = fields


class ForecastSubmissionWriteSerializer(serializers.Serializer):
    seller = visible_seller_field(required=False)
    period = serializers.RegexField(PERIOD_KEY_PATTERN)
    commit = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    best_case = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ForecastOverrideSerializer(serializers.ModelSerializer):
    seller_name = serializers.CharField(source="seller.name", read_only=True)

    class Meta:
        model = ForecastOverride
        fields = ["id", "seller", "seller_name", "period", "commit", "best_case", "note", "created_at", "removed_at"]
        read_only_fields = fields


class ForecastOverrideWriteSerializer(ForecastSubmissionWriteSerializer):
    seller = visible_seller_field()


class WinModelRunSerializer(serializers.ModelSerializer):
    metrics = serializers.SerializerMethodField()
    # A plain string in the schema: sharing the calculation runs' status enum would rename it.
    status = serializers.CharField(read_only=True, help_text="queued | running | succeeded | failed")

    class Meta:
        model = WinModelRun
        fields = ["id", "status", "created_at", "finished_at", "metrics", "error"]
        read_only_fields = fields

    def get_metrics(self, run) -> dict:
        return {k: v for k, v in (run.metrics or {}).items() if k != "backtest"}


def _period(request) -> str:
    period = request.query_params.get("period") or ""
    try:
        selectors.period_bounds(period)
    except ValueError:
        period = ""
    return period if "-Q" in period else selectors.period_of(timezone.localdate())


class ForecastViewSet(TenantGenericViewSet):
    """GET /forecast/?period=: target, actual, the human call, the three system forecasts, the roll-up."""

    queryset = ForecastSubmission.all_tenants.none()
    serializer_class = ForecastSubmissionSerializer
    pagination_class = None
    action_capabilities = {"list": "forecast.view", "backtest": "forecast.view"}

    def scope_queryset(self):
        return selectors.submission_list(access=self.access)

    @extend_schema(summary="The forecast of a fiscal quarter for your scope", parameters=[PERIOD],
                   responses={200: OpenApiTypes.OBJECT, **READ_ERRORS})
    def list(self, request, *args, **kwargs):
        period = _period(request)
        rows = selectors.forecast_rollup(access=self.access, period=period)
        roots = selectors.viewer_roots(self.access)
        by_id = {r["seller"].pk: r for r in rows}
        top = [r for r in rows if r["seller"].manager_id is None] if roots is None else [by_id[r] for r in roots if r in by_id]
        system = selectors.system_forecasts(access=self.access, period=period)
        run = selectors.latest_win_model()

        def money(x):
            return selectors._money(x)

        return Response({
            "period": period, "currency": self.access.tenant.base_currency,
            "target": money(selectors.target_for(access=self.access, period=period)),
            "actual": money(selectors.actual_for(access=self.access, period=period)),
            "human_call": {"commit": money(sum(r["commit"]["call"] for r in top)),
                           "best_case": money(sum(r["best_case"]["call"] for r in top))},
            "system": {"booked": money(system["booked"]), "weighted": money(system["weighted"]),
                       "stage_conversion": money(system["stage_conversion"]), "model": money(system["model"]),
                       "open_deals": system["open_deals"], "open_amount": money(system["open_amount"])},
            "model": WinModelRunSerializer(run).data["metrics"] if run else None,
            "rollup": [{"seller": r["seller"].pk, "seller_name": r["seller"].name,
                        "own_commit": money(r["commit"]["own"]), "rollup_commit": money(r["commit"]["rollup"]),
                        "override_commit": money(r["commit"]["override"]), "call_commit": money(r["commit"]["call"]),
                        "call_best_case": money(r["best_case"]["call"]), "override_id": r["override_id"],
                        "submitted_at": r["submitted_at"]} for r in rows],
        })

    @extend_schema(summary="Backtest of every forecast method per past quarter (same JSON as forecast_backtest)",
                   responses={200: OpenApiTypes.OBJECT, **READ_ERRORS})
    @action(detail=False, methods=["get"])
    def backtest(self, request, *args, **kwargs):
        roots = selectors.viewer_roots(self.access)
        run = selectors.latest_win_model()
        stored = (run.metrics or {}).get("backtest") if run and roots is None else None
        return Response(stored or selectors.backtest_report(
            model=False, seller_ids=selectors.visible_seller_ids(self.access), roots=roots))


@extend_schema_view(
    list=extend_schema(summary="Forecast submissions you may see", responses={200: ForecastSubmissionSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(summary="Submit a call (your own; RevOps/admin for anyone)", request=ForecastSubmissionWriteSerializer,
                         responses={201: ForecastSubmissionSerializer, **WRITE_ERRORS}),
)
class SubmissionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, TenantGenericViewSet):
    queryset = ForecastSubmission.all_tenants.none()
    serializer_class = ForecastSubmissionSerializer
    action_capabilities = {"list": "forecast.view", "create": "forecast.submit"}

    def scope_queryset(self):
        period = self.request.query_params.get("period")
        return selectors.submission_list(access=self.access, period=period or None)

    def create(self, request, *args, **kwargs):
        data = ForecastSubmissionWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        seller = values.pop("seller", None)
        if seller is None:
            own = viewer_sellers(self.access)
            if not own:
                raise PermissionDenied("Your user is not linked to a seller: name the seller.")
            seller = own[0]
        if not selectors.may_submit(self.access, seller):
            raise PermissionDenied("You may submit only your own call.")
        submission = services.forecast_submit(seller=seller, actor=request.user, **values)
        return Response(ForecastSubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Standing manager overrides you may see", responses={200: ForecastOverrideSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One standing override", responses={200: ForecastOverrideSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Override the call of a node of your subtree (replaces a standing one)",
                         request=ForecastOverrideWriteSerializer, responses={201: ForecastOverrideSerializer, **WRITE_ERRORS}),
    destroy=extend_schema(summary="Remove an override: the roll-up is the call again",
                          responses={204: None, **WRITE_ERRORS, **error_responses(409)}),
)
class OverrideViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.DestroyModelMixin, TenantGenericViewSet):
    queryset = ForecastOverride.all_tenants.none()
    serializer_class = ForecastOverrideSerializer
    action_capabilities = {"list": "forecast.view", "retrieve": "forecast.view", "create": "forecast.override",
                           "destroy": "forecast.override"}

    def scope_queryset(self):
        period = self.request.query_params.get("period")
        return selectors.override_list(access=self.access, period=period or None)

    def create(self, request, *args, **kwargs):
        data = ForecastOverrideWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        seller = values.pop("seller")
        if not selectors.may_override(self.access, seller):
            raise NotFound("No such seller.")
        override = services.forecast_override_set(seller=seller, actor=request.user, **values)
        return Response(ForecastOverrideSerializer(override).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.forecast_override_remove(override=instance, actor=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Trainings of the win-probability model", responses={200: WinModelRunSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(summary="Train the win model on the closed history (Celery task)", request=None,
                         responses={201: WinModelRunSerializer, **WRITE_ERRORS, **error_responses(409)}),
)
class WinModelViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, TenantGenericViewSet):
    queryset = WinModelRun.all_tenants.none()
    serializer_class = WinModelRunSerializer
    action_capabilities = {"list": "forecast.view", "create": "forecast.train"}

    def scope_queryset(self):
        return WinModelRun.objects.defer("estimator")

    def create(self, request, *args, **kwargs):
        run = services.win_model_request(actor=request.user)
        return Response(WinModelRunSerializer(run).data, status=status.HTTP_201_CREATED)
