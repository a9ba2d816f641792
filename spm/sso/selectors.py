"""Reads of the SSO configuration."""

from __future__ import annotations

from typing import Any

from spm.models import Tenant

from .models import SsoDomain, SsoProvider


def sso_provider_get() -> SsoProvider | None:
    """The provider of the tenant in scope (None when never configured)."""
    return SsoProvider.objects.first()


def sso_workspaces_for_domain(domain: str) -> list[Tenant]:
    """Workspaces with SSO enabled for this e-mail domain (the public directory; no tenant in scope)."""
    ids = SsoDomain.objects.filter(domain=domain.strip().lower()).values_list("tenant_id", flat=True)
    return list(Tenant.objects.filter(pk__in=ids).order_by("slug"))


def claim_values(claims: dict[str, Any], claim: str) -> list[str]:
    """The values of a groups/roles claim, whether the provider sends a list or one string."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def mapped_role(provider: SsoProvider, claims: dict[str, Any]) -> str | None:
    """The role of the first mapping entry (in the order configured) whose value the user has."""
    values = set(claim_values(claims, provider.role_claim))
    for value, role in provider.role_mapping:
        if value in values:
            return role
    return None
