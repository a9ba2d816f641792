"""The signed-in user's memberships across tenants (the tenant switcher and the home page)."""

from __future__ import annotations

from spm.models import Membership
from spm.selectors import user_membership_list


def user_memberships(request) -> list[Membership]:
    """The user's memberships, read once per request (the home page and the navigation share it)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(request, "_memberships"):
        request._memberships = user_membership_list(
            user=user, in_tenant_transaction=getattr(request, "tenant", None) is not None
        )
    return request._memberships
