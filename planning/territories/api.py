"""Territory plan API: plans (list, read, create/copy, evaluate, balance, publish, archive), their
territories (read, create, change), balancer moves (accept/reject) and the accounts bulk upsert.

Reads need "planning.view" (managers get their subtree's territories); writes "territories.edit".
Every write is one service call; domain errors become 400/409 in the one API exception handler.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from planning.api.serializers import account_field, visible_seller_field
from planning.models import Territory, TerritoryMove, TerritoryPlan
from planning.selectors import visible_seller_ids
from planning.territories import relief, selectors, services
from planning.territories.importer import accounts_import
from spm.api.base import TenantGenericViewSet
from spm.api.fields import ScopedPrimaryKeyRelatedField
from spm.api.filters import id_query_param
from spm.api.schema import READ_ERRORS, ErrorSerializer, error_responses
from spm.errors import DomainError

EDIT = "territories.edit"
RELIEF = "quotas.edit"


def plan_field(**kwargs) -> ScopedPrimaryKeyRelatedField:
    return ScopedPrimaryKeyRelatedField(model=TerritoryPlan, scope=lambda access: selectors.plan_list(), **kwargs)


class TerritoryPlanSerializer(serializers.ModelSerializer):
    copy_of = plan_field(write_only=True, required=False, allow_null=True,
                         help_text="Copy this plan's territories and overrides (a scenario).")
    status = serializers.CharField(read_only=True, help_text="draft | published | archived")

    class Meta:
        model = TerritoryPlan
        fields = ["id", "name", "description", "status", "effective_from", "scenario_of", "copy_of", "published_at",
                  "override_reason", "evaluated_at", "summary"]
        read_only_fields = ["status", "effective_from", "scenario_of", "published_at", "override_reason",
                            "evaluated_at", "summary"]
        validators: list = []  # the per-tenant unique name is checked by the service


class TerritorySerializer(serializers.ModelSerializer):
    plan = plan_field()
    owner = visible_seller_field(required=False, allow_null=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True, default=None)
    precedence = serializers.IntegerField(min_value=0, required=False, default=100)

    class Meta:
        model = Territory
        fields = ["id", "plan", "name", "region", "owner", "owner_name", "rules", "precedence"]
        validators: list = []


class TerritoryMoveSerializer(serializers.ModelSerializer):
    account_external_id = serializers.CharField(source="account.external_id", read_only=True)
    status = serializers.CharField(read_only=True, help_text="proposed | accepted | rejected")

    class Meta:
        model = TerritoryMove
        fields = ["id", "plan", "position", "account", "account_external_id", "from_territory", "to_territory",
                  "potential", "cv_before", "cv_after", "status", "decided_by", "decided_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="TerritoryPlanPublish")  # capacity has a PublishSerializer too
class PublishSerializer(serializers.Serializer):
    effective_from = serializers.DateField()
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class OverrideSerializer(serializers.Serializer):
    account = account_field()
    territory = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReliefSerializer(serializers.Serializer):
    from_seller = serializers.IntegerField()
    from_name = serializers.CharField()
    to_seller = serializers.IntegerField(allow_null=True, help_text="null: the accounts become unassigned")
    to_name = serializers.CharField()
    accounts = serializers.IntegerField(help_text="accounts moved")
    potential = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="potential moved")
    total_potential = serializers.DecimalField(max_digits=16, decimal_places=2,
                                               help_text="the from seller's potential before the move")
    share = serializers.DecimalField(max_digits=5, decimal_places=4, help_text="potential moved / total potential")
    month = serializers.CharField(help_text="YYYY-MM: relief applies from this month to the fiscal year end")
    quota_moved = serializers.DecimalField(max_digits=16, decimal_places=2)
    applied = serializers.BooleanField()


class ReliefApplySerializer(serializers.Serializer):
    from_seller = serializers.IntegerField()
    to_seller = serializers.IntegerField(required=False, allow_null=True, default=None)


RELIEF_APPLIED = inline_serializer("QuotaReliefApplied", fields={
    "amount": serializers.DecimalField(max_digits=16, decimal_places=2),
    "months": serializers.DictField(child=serializers.DecimalField(max_digits=16, decimal_places=2)),
    "relief": ReliefSerializer(),
})


EVALUATION = inline_serializer("TerritoryPlanEvaluation", fields={
    "summary": serializers.DictField(), "territories": serializers.ListField(child=serializers.DictField()),
    "gaps": serializers.ListField(child=serializers.DictField()),
    "overlaps": serializers.ListField(child=serializers.DictField()),
})
IMPORT_REPORT = inline_serializer("AccountImportReport", fields={
    "rows": serializers.IntegerField(), "created": serializers.IntegerField(), "updated": serializers.IntegerField(),
    "unchanged": serializers.IntegerField(), "errors": serializers.ListField(child=serializers.DictField()),
})


# A 400 is either the import report (refused rows) or the API's one error shape (a body that is
# not rows at all: bad JSON, wrong media type).
IMPORT_OR_REQUEST_ERROR = OpenApiResponse(
    PolymorphicProxySerializer(component_name="AccountImportRefusal", serializers=[IMPORT_REPORT, ErrorSerializer],
                               resource_type_field_name=None),
    description="Rows refused (the import report, nothing written) or a body that could not be read.",
)


def _evaluation_body(result, access) -> dict:
    ids = visible_seller_ids(access)
    rows = []
    for r in result.balance.to_dict("records"):
        if ids is not None and r["owner"] not in ids:
            continue
        rows.append({"id": int(r["territory"]), "name": r["name"], "owner": None if r["owner"] != r["owner"] or r["owner"] is None else int(r["owner"]),
                     "accounts": int(r["accounts"]), "potential": round(float(r["potential"]), 2),
                     "quota": None if r["quota"] is None or r["quota"] != r["quota"] else round(float(r["quota"]), 2),
                     "short": bool(r["short"])})
    return {"summary": result.summary(), "territories": rows,
            "gaps": [{k: (float(v) if k == "potential" else v) for k, v in g.items()} for g in result.gaps],
            "overlaps": [{k: (float(v) if k == "potential" else v) for k, v in o.items()} for o in result.overlaps]}


@extend_schema_view(
    list=extend_schema(summary="Territory plans", responses={200: TerritoryPlanSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One territory plan", responses={200: TerritoryPlanSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Create a draft plan (or copy one as a scenario)",
                         responses={201: TerritoryPlanSerializer, **error_responses(400, 403)}),
)
class TerritoryPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = TerritoryPlan.all_tenants.none()
    serializer_class = TerritoryPlanSerializer
    action_capabilities = {"list": "planning.view", "retrieve": "planning.view", "evaluation": "planning.view",
                           "moves": "planning.view", "create": EDIT, "evaluate": EDIT, "balance": EDIT,
                           "publish": EDIT, "archive": EDIT, "override": EDIT, "relief": RELIEF,
                           "relief_apply": RELIEF}

    def scope_queryset(self):
        return selectors.plan_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan = services.territory_plan_create(name=data["name"], description=data.get("description", ""),
                                              copy_of=data.get("copy_of"), actor=request.user)
        return Response(TerritoryPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Evaluate the plan now (figures, gaps, overlaps)", responses={200: EVALUATION, **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def evaluation(self, request, *args, **kwargs):
        return Response(_evaluation_body(selectors.plan_evaluation(self.get_object()), self.access))

    @extend_schema(summary="Evaluate and store the plan's figures", request=None,
                   responses={200: EVALUATION, **error_responses(403)})
    @action(detail=True, methods=["post"])
    def evaluate(self, request, *args, **kwargs):
        result = services.territory_plan_evaluate(plan=self.get_object(), actor=request.user)
        return Response(_evaluation_body(result, self.access))

    @extend_schema(summary="Propose balancing moves (replaces pending proposals)", request=None,
                   responses={200: TerritoryMoveSerializer(many=True), **error_responses(403, 409)})
    @action(detail=True, methods=["post"])
    def balance(self, request, *args, **kwargs):
        moves = services.territory_plan_balance(plan=self.get_object(), actor=request.user)
        return Response(TerritoryMoveSerializer(moves, many=True).data)

    @extend_schema(summary="Balancer moves of the plan", responses={200: TerritoryMoveSerializer(many=True), **READ_ERRORS})
    @action(detail=True, methods=["get"], pagination_class=None)
    def moves(self, request, *args, **kwargs):
        plan = self.get_object()
        if visible_seller_ids(self.access) is not None:
            return Response([])  # proposals move accounts between teams: tenant-wide roles only
        return Response(TerritoryMoveSerializer(selectors.plan_moves(plan), many=True).data)

    @extend_schema(summary="Publish from an effective date (override reason when a territory is short of quota)",
                   request=PublishSerializer, responses={200: TerritoryPlanSerializer, **error_responses(400, 403, 409)})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        plan = self.get_object()  # 404 for another tenant's id before the body is read
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = services.territory_plan_publish(plan=plan, actor=request.user, **body.validated_data)
        return Response(TerritoryPlanSerializer(plan).data)

    @extend_schema(summary="Archive a draft plan", request=None,
                   responses={200: TerritoryPlanSerializer, **error_responses(403, 409)})
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        plan = services.territory_plan_archive(plan=self.get_object(), actor=request.user)
        return Response(TerritoryPlanSerializer(plan).data)

    @extend_schema(summary="Pin an account to one of the plan's territories", request=OverrideSerializer,
                   responses={200: OverrideSerializer, **error_responses(400, 403, 409)})
    @action(detail=True, methods=["post"])
    def override(self, request, *args, **kwargs):
        plan = self.get_object()
        body = OverrideSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        territory = Territory.objects.filter(plan=plan, pk=body.validated_data["territory"]).first()
        if territory is None:
            raise DomainError("territory: not a territory of this plan", field="territory")
        services.territory_override_set(plan=plan, account=body.validated_data["account"], territory=territory,
                                        reason=body.validated_data["reason"], actor=request.user)
        return Response({"account": body.validated_data["account"].pk, "territory": territory.pk,
                         "reason": body.validated_data["reason"]})

    @extend_schema(summary="Quota relief proposed by the plan's ownership changes",
                   responses={200: ReliefSerializer(many=True), **error_responses(403, 404)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def relief(self, request, *args, **kwargs):
        return Response(ReliefSerializer(relief.plan_relief(self.get_object()), many=True).data)

    @extend_schema(summary="Apply one proposed quota relief (from_seller → to_seller)", request=ReliefApplySerializer,
                   responses={200: RELIEF_APPLIED, **error_responses(400, 403, 409)})
    @action(detail=True, methods=["post"], url_path="relief/apply")
    def relief_apply(self, request, *args, **kwargs):
        plan = self.get_object()
        body = ReliefApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = relief.plan_relief_apply(plan=plan, from_seller_id=body.validated_data["from_seller"],
                                        to_seller_id=body.validated_data["to_seller"], actor=request.user)
        return Response({"amount": str(done["amount"]), "months": {k: str(v) for k, v in done["months"].items()},
                         "relief": ReliefSerializer(done["row"]).data})


@extend_schema_view(
    list=extend_schema(summary="Territories (a manager's subtree's; filter ?plan=)",
                       responses={200: TerritorySerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One territory", responses={200: TerritorySerializer, **READ_ERRORS}),
    create=extend_schema(summary="Add a territory to a draft plan", responses={201: TerritorySerializer,
                                                                            **error_responses(400, 403, 409)}),
    partial_update=extend_schema(summary="Change a territory of a draft plan",
                                 responses={200: TerritorySerializer, **error_responses(400, 403, 409)}),
)
class TerritoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = Territory.all_tenants.none()
    serializer_class = TerritorySerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_capabilities = {"create": EDIT, "partial_update": EDIT}

    def scope_queryset(self):
        qs = selectors.territory_list(self.access).order_by("plan_id", "precedence", "name")
        plan = id_query_param(self.request, "plan")
        return qs.filter(plan_id=plan) if plan is not None else qs

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        territory = services.territory_save(plan=d["plan"], name=d["name"], rules=d.get("rules") or {},
                                            owner=d.get("owner"), region=d.get("region", ""),
                                            precedence=d.get("precedence", 100), actor=request.user)
        return Response(TerritorySerializer(territory, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        territory = self.get_object()
        serializer = self.get_serializer(territory, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        territory = services.territory_save(
            plan=territory.plan, territory=territory, name=d.get("name", territory.name),
            rules=d.get("rules", territory.rules), owner=d.get("owner", territory.owner),
            region=d.get("region", territory.region), precedence=d.get("precedence", territory.precedence),
            actor=request.user)
        return Response(TerritorySerializer(territory, context=self.get_serializer_context()).data)


class TerritoryMoveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    """Balancer proposals (tenant-wide roles), accepted or rejected one by one by RevOps."""

    queryset = TerritoryMove.all_tenants.none()
    serializer_class = TerritoryMoveSerializer
    action_capabilities = {"list": EDIT, "retrieve": EDIT, "accept": EDIT, "reject": EDIT}

    def scope_queryset(self):
        return TerritoryMove.objects.select_related("account").order_by("plan_id", "position")

    @extend_schema(summary="Accept a proposed move (pins the account)", request=None,
                   responses={200: TerritoryMoveSerializer, **error_responses(403, 409)})
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        move = services.territory_move_decide(move=self.get_object(), accept=True, actor=request.user)
        return Response(TerritoryMoveSerializer(move).data)

    @extend_schema(summary="Reject a proposed move", request=None,
                   responses={200: TerritoryMoveSerializer, **error_responses(403, 409)})
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        move = services.territory_move_decide(move=self.get_object(), accept=False, actor=request.user)
        return Response(TerritoryMoveSerializer(move).data)


class AccountBulkMixin:
    """`POST accounts/bulk/`: upsert accounts from JSON rows or a CSV upload; all or nothing."""

    @extend_schema(summary="Bulk upsert accounts (JSON rows, {\"rows\": [...]}, or a CSV file upload)",
                   request={"application/json": inline_serializer("AccountBulkRows", fields={
                       "rows": serializers.ListField(child=serializers.DictField(), help_text=(
                           "objects with the canonical columns; a bare list of them is accepted too"))}),
                            "multipart/form-data": inline_serializer("AccountCsvUpload", fields={"file": serializers.FileField()})},
                   responses={200: IMPORT_REPORT, 400: IMPORT_OR_REQUEST_ERROR, **error_responses(403)})
    @action(detail=False, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def bulk(self, request, *args, **kwargs):
        upload = request.FILES.get("file")
        if upload is not None:
            report = accounts_import(data=upload.read(), actor=request.user, source=upload.name)
        else:
            rows = request.data.get("rows") if isinstance(request.data, dict) else request.data
            if not isinstance(rows, list):
                raise DomainError("rows: send a list of account objects, {\"rows\": [...]}, or a CSV file as `file`",
                                  field="rows")
            report = accounts_import(records=rows, actor=request.user, source="api")
        return Response(report.as_dict(), status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)
