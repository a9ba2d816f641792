"""Plan acceptance API: acceptances you may see, accept a plan, and the unaccepted list (RevOps)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from compensation.acceptance.models import PlanAcceptance
from compensation.acceptance.selectors import acceptance_list, plan_visible_list, unaccepted_assignments
from compensation.acceptance.services import plan_accept
from compensation.api.serializers import PlanAssignmentSerializer
from compensation.models import CompPlan, PlanAssignment
from spm.api.base import TenantGenericViewSet
from spm.api.fields import ScopedPrimaryKeyRelatedField
from spm.api.schema import READ_ERRORS, error_responses


class PlanAcceptanceSerializer(serializers.ModelSerializer):
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    accepted_by = serializers.CharField(source="accepted_by.email", read_only=True, default=None)

    class Meta:
        model = PlanAcceptance
        fields = ["id", "plan", "plan_name", "version", "seller", "seller_name", "accepted_by", "accepted_at"]
        read_only_fields = fields


class PlanAcceptSerializer(serializers.Serializer):
    plan = ScopedPrimaryKeyRelatedField(model=CompPlan, scope=lambda access: plan_visible_list(access=access))


@extend_schema_view(
    list=extend_schema(summary="Plan acceptances of the sellers you may see",
                       responses={200: PlanAcceptanceSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One plan acceptance", responses={200: PlanAcceptanceSerializer, **READ_ERRORS}),
)
class PlanAcceptanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = PlanAcceptance.all_tenants.none()
    serializer_class = PlanAcceptanceSerializer
    action_capabilities = {"unaccepted": "plans.edit"}

    def scope_queryset(self):
        return acceptance_list(access=self.access)

    @extend_schema(summary="Accept a published plan assigned to you (idempotent)", request=PlanAcceptSerializer,
                   responses={201: PlanAcceptanceSerializer(many=True), **error_responses(400, 403, 409)})
    def create(self, request, *args, **kwargs):
        data = PlanAcceptSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        plan = data.validated_data["plan"]
        sellers = {a.seller_id: a.seller for a in PlanAssignment.objects.filter(
            plan=plan, seller__user_id=request.user.pk).select_related("seller")}
        if not sellers:
            raise ValidationError({"plan": ["This plan is not assigned to you."]})
        accepted = [plan_accept(plan=plan, seller=seller, actor=request.user) for seller in sellers.values()]
        return Response(PlanAcceptanceSerializer(accepted, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Current assignments of published plans not yet accepted (RevOps)",
                   responses={200: PlanAssignmentSerializer(many=True), **READ_ERRORS})
    @action(detail=False, methods=["get"])
    def unaccepted(self, request, *args, **kwargs):
        page = self.paginate_queryset(unaccepted_assignments(access=self.access))
        return self.get_paginated_response(PlanAssignmentSerializer(page, many=True, context=self.get_serializer_context()).data)
