"""Alerts API: the viewer's open alerts, and dismissing one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from performance.alerts import selectors, services
from performance.alerts.models import Alert
from spm.api.base import TenantGenericViewSet
from spm.api.schema import READ_ERRORS, error_responses


class AlertSerializer(serializers.ModelSerializer):
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    # A plain string in the schema: "status" enums of other resources already claim the name.
    status = serializers.CharField(read_only=True, help_text="open | dismissed | resolved")
    deal_url = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "kind", "status", "seller", "seller_name", "opportunity", "deal_url", "period", "message",
                  "action", "amount", "created_at", "updated_at"]
        read_only_fields = fields

    def get_deal_url(self, alert) -> str | None:
        from django.urls import reverse

        if not alert.opportunity_id:
            return None
        return reverse("performance:deal_detail", kwargs={"tenant": self.context["access"].tenant.slug,
                                                          "pk": alert.opportunity_id})


@extend_schema_view(
    list=extend_schema(summary="Open alerts on your deals (and your team's as a manager)",
                       responses={200: AlertSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One alert", responses={200: AlertSerializer, **READ_ERRORS}),
)
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = Alert.all_tenants.none()
    serializer_class = AlertSerializer
    action_capabilities = {"list": "alerts.view", "retrieve": "alerts.view", "dismiss": "alerts.view"}

    def scope_queryset(self):
        status = self.request.query_params.get("status", Alert.Status.OPEN)
        if self.action != "list" or status not in Alert.Status.values:
            status = None
        return selectors.alert_list(access=self.access, status=status, kind=self.request.query_params.get("kind"))

    @extend_schema(summary="Dismiss an open alert", request=None,
                   responses={200: AlertSerializer, **error_responses(403, 409)})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        alert = services.alert_dismiss(alert=self.get_object(), actor=request.user)
        return Response(AlertSerializer(alert, context=self.get_serializer_context()).data)
