"""Resolve the tenant of a request from the URL and the user's membership in it."""

from __future__ import annotations

from dataclasses import dataclass

from spm.models import Membership, Tenant
from spm.roles import has_capability


@dataclass(frozen=True)
class TenantAccess:
    tenant: Tenant
    membership: Membership

    @property
    def role(self) -> str:
        return self.membership.role

    def can(self, capability: str) -> bool:
        return has_capability(self.role, capability)


def tenant_for_slug(slug: str | None) -> Tenant | None:
    return Tenant.objects.filter(slug=slug).first() if slug else None


def membership_in_scope(user) -> Membership | None:
    """The user's membership in the tenant in scope (call inside tenant_atomic)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=user).first()
