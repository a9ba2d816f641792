"""Activities API: meetings, calls and e-mails, visible to the owner and the managers above them."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from performance.activities import selectors, services
from performance.activities.models import Activity
from performance.selectors import seller_deal
from planning.api.serializers import visible_seller_field
from spm.api.base import TenantGenericViewSet
from spm.api.filters import id_query_param
from spm.api.schema import READ_ERRORS, error_responses


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "owner", "kind", "occurred_on", "subject", "opportunity", "external_id", "created_at"]
        read_only_fields = ["id", "external_id", "created_at"]

    owner = visible_seller_field()
    opportunity = serializers.IntegerField(source="opportunity_id", required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(summary="Activities you may see (?owner=id&kind=meeting|call|email)",
                       parameters=[OpenApiParameter("owner", int, required=False),
                                   OpenApiParameter("kind", str, required=False, enum=[k.value for k in Activity.Kind])],
                       responses={200: ActivitySerializer(many=True), **READ_ERRORS}),
    create=extend_schema(summary="Log a meeting, call or e-mail of a seller you may see",
                         responses={201: ActivitySerializer, **error_responses(400, 403)}),
)
class ActivityViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, TenantGenericViewSet):
    queryset = Activity.all_tenants.none()
    serializer_class = ActivitySerializer
    action_capabilities = {"list": "coaching.view", "create": "activities.log"}

    def scope_queryset(self):
        kind = self.request.query_params.get("kind")
        qs = selectors.activity_list(access=self.access, kind=kind if kind in services.KINDS else None)
        owner = id_query_param(self.request, "owner")
        return qs.filter(owner_id=owner) if owner else qs

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = data.validated_data["owner"]
        deal = seller_deal(seller=owner, pk=data.validated_data.get("opportunity_id"))
        activity = services.activity_log(owner=owner, kind=data.validated_data["kind"], actor=request.user,
                                         occurred_on=data.validated_data["occurred_on"],
                                         subject=data.validated_data.get("subject", ""), opportunity=deal)
        return Response(ActivitySerializer(activity, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
