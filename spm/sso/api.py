"""`GET/PUT /api/v1/t/<tenant>/sso/`: the tenant's OpenID Connect provider (admins only).

The client secret is write-only: answers say whether one is set and its last four characters.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from spm.api.base import TenantAPIMixin
from spm.api.schema import READ_ERRORS, error_responses
from spm.roles import Role

from .selectors import sso_provider_get
from .services import sso_provider_save
from .views import callback_uri


class RoleMappingSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=200, help_text="A value of the groups claim, e.g. sales-managers")
    role = serializers.ChoiceField(choices=Role.choices)


class SsoProviderSerializer(serializers.Serializer):
    configured = serializers.BooleanField(read_only=True)
    enabled = serializers.BooleanField(default=False)
    issuer = serializers.CharField(max_length=300, help_text="https://…; discovery at <issuer>/.well-known/openid-configuration")
    client_id = serializers.CharField(max_length=200)
    client_secret = serializers.CharField(max_length=500, write_only=True, required=False, allow_blank=True,
                                          trim_whitespace=False, help_text="Omit or leave blank to keep the current one.")
    client_secret_set = serializers.BooleanField(read_only=True)
    client_secret_hint = serializers.CharField(read_only=True, help_text="Masked; at most the last 4 characters.")
    allowed_domains = serializers.ListField(child=serializers.CharField(max_length=253), default=list)
    role_claim = serializers.CharField(max_length=100, default="groups")
    role_mapping = RoleMappingSerializer(many=True, default=list, help_text="In priority order: the first match wins.")
    default_role = serializers.ChoiceField(choices=Role.choices, allow_blank=True, default=Role.REP,
                                           help_text="Role of a new member no mapping entry matches; blank refuses them.")
    create_members = serializers.BooleanField(default=False)
    redirect_uri = serializers.CharField(read_only=True, help_text="Register this at the identity provider.")


def _representation(request, provider) -> dict:
    slug = request.access.tenant.slug
    if provider is None:
        return {"configured": False, "enabled": False, "issuer": "", "client_id": "", "client_secret_set": False,
                "client_secret_hint": "", "allowed_domains": [], "role_claim": "groups", "role_mapping": [],
                "default_role": Role.REP, "create_members": False, "redirect_uri": callback_uri(request, slug)}
    return {
        "configured": True, "enabled": provider.enabled, "issuer": provider.issuer, "client_id": provider.client_id,
        "client_secret_set": bool(provider.client_secret), "client_secret_hint": provider.secret_hint,
        "allowed_domains": provider.allowed_domains, "role_claim": provider.role_claim,
        "role_mapping": [{"value": v, "role": r} for v, r in provider.role_mapping],
        "default_role": provider.default_role, "create_members": provider.create_members,
        "redirect_uri": callback_uri(request, slug),
    }


class SsoProviderView(TenantAPIMixin, APIView):
    action_capabilities = {"get": "sso.configure", "put": "sso.configure"}

    @extend_schema(summary="The tenant's single sign-on provider", responses={200: SsoProviderSerializer, **READ_ERRORS})
    def get(self, request, *args, **kwargs):
        return Response(SsoProviderSerializer(_representation(request, sso_provider_get())).data)

    @extend_schema(summary="Configure the tenant's single sign-on provider (audited; the secret is write-only)",
                   request=SsoProviderSerializer, responses={200: SsoProviderSerializer, **error_responses(400, 403)})
    def put(self, request, *args, **kwargs):
        serializer = SsoProviderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        provider = sso_provider_save(
            actor=request.user, enabled=data["enabled"], issuer=data["issuer"], client_id=data["client_id"],
            client_secret=data.get("client_secret"), allowed_domains=data["allowed_domains"],
            role_claim=data["role_claim"], role_mapping=[(m["value"], m["role"]) for m in data["role_mapping"]],
            default_role=data["default_role"], create_members=data["create_members"],
        )
        return Response(SsoProviderSerializer(_representation(request, provider)).data)
