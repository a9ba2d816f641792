"""Approval steps API: the route (read, replace), a statement's steps, and taking the next step."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from compensation.api.serializers import StatementSerializer
from compensation.models import Statement
from compensation.routing.models import ApprovalStep, StatementApproval
from compensation.routing.services import approval_route_set, statement_route_approve
from compensation.selectors import statement_list
from spm.api.base import TenantGenericViewSet
from spm.api.fields import ScopedPrimaryKeyRelatedField
from spm.api.schema import READ_ERRORS, error_responses


class ApprovalStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApprovalStep
        fields = ["id", "position", "role"]
        read_only_fields = fields


class RouteSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.CharField(max_length=20), allow_empty=True,
                                  help_text='Roles in order, e.g. ["manager", "finance"]; [] = single finance approval.')


class StepApproveSerializer(serializers.Serializer):
    statement = ScopedPrimaryKeyRelatedField(model=Statement, scope=lambda access: statement_list(access=access))


class StatementApprovalSerializer(serializers.ModelSerializer):
    approved_by = serializers.CharField(source="approved_by.email", read_only=True, default=None)
    on_behalf_of = serializers.CharField(source="on_behalf_of.email", read_only=True, default=None)

    class Meta:
        model = StatementApproval
        fields = ["statement", "position", "role", "approved_by", "on_behalf_of", "approved_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The tenant's approval route, in order", responses={200: ApprovalStepSerializer(many=True), **READ_ERRORS}),
)
class ApprovalStepViewSet(mixins.ListModelMixin, TenantGenericViewSet):
    queryset = ApprovalStep.all_tenants.none()
    serializer_class = ApprovalStepSerializer
    pagination_class = None
    action_capabilities = {"route": "approvals.configure", "approve": "statements.view", "taken": "statements.view"}

    def scope_queryset(self):
        return ApprovalStep.objects.order_by("position")

    @extend_schema(summary="Replace the route (finance/admin; the last step must be finance or admin)",
                   request=RouteSerializer, responses={200: ApprovalStepSerializer(many=True), **error_responses(400, 403)})
    @action(detail=False, methods=["post"])
    def route(self, request, *args, **kwargs):
        data = RouteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        steps = approval_route_set(roles=data.validated_data["roles"], actor=request.user)
        return Response(ApprovalStepSerializer(steps, many=True).data)

    @extend_schema(summary="Take the next step on a statement (the last step approves it)",
                   request=StepApproveSerializer, responses={200: StatementSerializer, **error_responses(400, 403, 409)})
    @action(detail=False, methods=["post"])
    def approve(self, request, *args, **kwargs):
        data = StepApproveSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        statement = statement_route_approve(statement=data.validated_data["statement"], actor=request.user)
        return Response(StatementSerializer(statement).data)

    @extend_schema(summary="Steps taken on the statements you may see",
                   responses={200: StatementApprovalSerializer(many=True), **READ_ERRORS})
    @action(detail=False, methods=["get"])
    def taken(self, request, *args, **kwargs):
        qs = (StatementApproval.objects.filter(statement__in=statement_list(access=self.access))
              .select_related("approved_by", "on_behalf_of").order_by("statement_id", "position")[:500])
        return Response(StatementApprovalSerializer(qs, many=True).data)
