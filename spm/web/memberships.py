"""The signed-in user's memberships across tenants (the tenant switcher and the home page)."""

from __future__ import annotations

from spm.models import Membership
from spm.tenancy.db import user_atomic


def user_memberships(request) -> list[Membership]:
    """Every membership of the user, with its tenant, ordered by tenant name.

    Membership rows are under row-level security with a user exception (``app.user_id``). Inside
    a tenant page the tenant transaction already has the user set, so a plain read sees all of the
    user's rows; elsewhere we open a user-only transaction. We never call ``user_atomic`` inside the
    tenant transaction: its ``set_config`` would outlive the savepoint and unset the tenant.
    """
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return []
    # Unscoped on purpose: the list spans tenants and is filtered by user (RLS agrees).
    qs = Membership.all_tenants.filter(user_id=user.pk).select_related("tenant").order_by("tenant__name")
    if getattr(request, "tenant", None) is not None:
        return list(qs)
    with user_atomic(user.pk):
        return list(qs)
