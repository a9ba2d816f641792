"""Plan documents API: export a version's document, import one (next version), preview a draft."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from compensation.api.serializers import CompPlanSerializer
from compensation.engine import EngineError, PlanValidationError
from compensation.models import CompPlan
from compensation.plan_editor.selectors import plan_preview
from compensation.selectors import plan_list
from compensation.services import PlanDocumentError, comp_plan_create
from spm.api.base import TenantGenericViewSet
from spm.api.schema import READ_ERRORS, error_responses
from spm.errors import ConflictError


class PlanDocumentImportSerializer(serializers.Serializer):
    document = serializers.JSONField(help_text="A plan document (DESIGN.md).")
    publish = serializers.BooleanField(default=False)


class PlanPreviewRequestSerializer(serializers.Serializer):
    document = serializers.JSONField()
    period = serializers.RegexField(r"^\d{4}-\d{2}$", required=False, help_text="Default: the last closed month.")


class PreviewRowSerializer(serializers.Serializer):
    seller = serializers.CharField()
    name = serializers.CharField()
    before = serializers.DecimalField(max_digits=16, decimal_places=2)
    after = serializers.DecimalField(max_digits=16, decimal_places=2)
    change = serializers.DecimalField(max_digits=16, decimal_places=2)


class PlanPreviewSerializer(serializers.Serializer):
    period = serializers.CharField()
    before = serializers.DecimalField(max_digits=16, decimal_places=2)
    after = serializers.DecimalField(max_digits=16, decimal_places=2)
    change = serializers.DecimalField(max_digits=16, decimal_places=2)
    rows = PreviewRowSerializer(many=True)


def _document_errors(errors) -> dict:
    by_field: dict[str, list[str]] = {}
    for path, message in errors:
        by_field.setdefault(path, []).append(message)
    return {"document": by_field}


@extend_schema_view(
    retrieve=extend_schema(summary="Export one plan version's document (JSON, importable as is)",
                           responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **READ_ERRORS}),
)
class PlanDocumentViewSet(mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = CompPlan.all_tenants.none()
    serializer_class = CompPlanSerializer
    action_capabilities = {"retrieve": "planning.view", "create": "plans.edit", "preview": "plans.edit"}

    def scope_queryset(self):
        return plan_list()

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_object().document)

    @extend_schema(summary="Import a plan document as the next version of its plan",
                   request=PlanDocumentImportSerializer, responses={201: CompPlanSerializer, **error_responses(400, 403)})
    def create(self, request, *args, **kwargs):
        data = PlanDocumentImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not isinstance(data.validated_data["document"], dict):
            raise ValidationError({"document": ["A plan document is a JSON object."]})
        try:
            plan = comp_plan_create(document=data.validated_data["document"], actor=request.user,
                                    publish=data.validated_data["publish"])
        except PlanDocumentError as exc:
            raise ValidationError(_document_errors(exc.field_errors)) from exc
        return Response(CompPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Run a draft document in place of this plan on the last closed month",
                   request=PlanPreviewRequestSerializer,
                   responses={200: PlanPreviewSerializer, **error_responses(400, 403, 409)})
    @action(detail=True, methods=["post"])
    def preview(self, request, *args, **kwargs):
        plan = self.get_object()
        data = PlanPreviewRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = data.validated_data["document"]
        if not isinstance(document, dict):
            raise ValidationError({"document": ["A plan document is a JSON object."]})
        try:
            preview = plan_preview(plan=plan, document=document, access=self.access,
                                   period=data.validated_data.get("period"))
        except PlanValidationError as exc:
            raise ValidationError(_document_errors(exc.field_errors)) from exc
        except EngineError as exc:
            raise ConflictError(f"The preview cannot be computed: {exc}") from exc
        if preview is None:
            raise ConflictError("There is no calculated month to preview on yet.")
        return Response(PlanPreviewSerializer(preview).data)
