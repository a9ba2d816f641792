"""Kernel API: who am I (memberships across tenants), token login, and the tenant's audit trail.

This module must not import the pillar apps (planning, performance, compensation): it is the
bottom layer.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import authenticate, get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from spm.api.base import TenantAPIMixin, TenantReadOnlyViewSet
from spm.api.schema import READ_ERRORS, ErrorSerializer
from spm.models import AuditEvent, Membership
from spm.selectors import user_membership_list


class MembershipSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tenant_name = serializers.CharField(source="tenant.name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["tenant", "tenant_name", "role", "role_display"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    memberships = MembershipSerializer(many=True)


class MeView(APIView):
    @extend_schema(summary="The signed-in user and their role in each tenant",
                   responses={200: MeSerializer, 401: OpenApiResponse(ErrorSerializer, description="Not authenticated.")})
    def get(self, request):
        user = request.user
        memberships = user_membership_list(user=user)
        data = {
            "id": user.pk, "username": user.get_username(), "email": user.email,
            "first_name": user.first_name, "last_name": user.last_name, "memberships": memberships,
        }
        return Response(MeSerializer(data).data)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, help_text="Username or e-mail address.")
    email = serializers.EmailField(required=False)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)

    def validate(self, attrs):
        login = attrs.get("username") or attrs.get("email")
        if not login:
            raise serializers.ValidationError({"username": "Give a username or an e-mail address."})
        request = self.context.get("request")
        request = getattr(request, "_request", request)  # the HttpRequest: django-axes marks lockouts on it
        user = authenticate(request=request, username=login, password=attrs["password"])
        if user is None and "@" in login:
            match = get_user_model()._default_manager.filter(email__iexact=login).first()
            if match is not None:
                user = authenticate(request=request, username=match.get_username(), password=attrs["password"])
        if user is None or not user.is_active:
            raise serializers.ValidationError("Unable to log in with these credentials.", code="authorization")
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenObtainView(APIView):
    """Exchange credentials for a DRF token (`Authorization: Token <key>`)."""

    authentication_classes: list = []  # no session, hence no CSRF check on this one form post
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    serializer_class = TokenRequestSerializer

    @extend_schema(summary="Obtain an API token", request=TokenRequestSerializer,
                   responses={200: TokenResponseSerializer, 400: OpenApiResponse(ErrorSerializer, description="Invalid credentials."),
                              429: OpenApiResponse(ErrorSerializer, description="Too many attempts (throttled or locked out).")},
                   auth=[])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


# --- audit trail (tenant-scoped, under /api/v1/t/<tenant>/audit-events/) ----------------------


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.email", read_only=True, default=None)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "action", "object_type", "object_id", "object_repr", "before", "after"]
        read_only_fields = fields


class AuditEventFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    action = django_filters.CharFilter()
    object_type = django_filters.CharFilter(help_text="e.g. compensation.statement")
    object_id = django_filters.CharFilter()




@extend_schema_view(
    list=extend_schema(summary="Audit trail of the tenant", responses={200: AuditEventSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One audit event", responses={200: AuditEventSerializer, **READ_ERRORS}),
)
class AuditEventViewSet(TenantReadOnlyViewSet):
    queryset = AuditEvent.all_tenants.none()  # model for the schema only; data comes from scope_queryset
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    action_capabilities = {"list": "audit.view", "retrieve": "audit.view"}

    def scope_queryset(self):
        return AuditEvent.objects.select_related("actor")


# --- the tenant's whole data (admins), under /api/v1/t/<tenant>/export/ ---------------------------


class _AnyAccept(BaseContentNegotiation):
    """The zip is the only representation: never a 406 for an Accept header that does not name it."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class TenantExportView(TenantAPIMixin, APIView):
    action_capabilities = {"get": "tenant.export"}
    content_negotiation_class = _AnyAccept

    @extend_schema(
        summary="Everything the tenant owns, as a zip of CSV files",
        description="One CSV per tenant table, users.csv (members' accounts, no passwords) and manifest.json.",
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **READ_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        from spm.tenancy.pages import export_response

        return export_response(self.access.tenant)
