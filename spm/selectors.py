"""Reads of the shared kernel."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min

from spm.models import FxRate, Membership
from spm.tenancy.db import user_atomic


def user_membership_list(*, user, in_tenant_transaction: bool = False) -> list[Membership]:
    """Every membership of `user`, with its tenant, ordered by tenant name: the one cross-tenant read.

    Membership rows are under row-level security with a user exception (``app.user_id``). Inside
    a tenant transaction the user is already set, so a plain read sees all of the user's rows;
    elsewhere we open a user-only transaction. Never call ``user_atomic`` inside the tenant
    transaction: its ``set_config`` would outlive the savepoint and unset the tenant.
    """
    # Unscoped on purpose: the list spans tenants and is filtered by user (RLS agrees).
    qs = Membership.all_tenants.filter(user_id=user.pk).select_related("tenant").order_by("tenant__name")
    if in_tenant_transaction:
        return list(qs)
    with user_atomic(user.pk):
        return list(qs)


def fx_first_dates() -> dict[str, dt.date]:
    """{currency: the date its first FX rate takes effect} of the tenant in scope (empty: no rates)."""
    return dict(FxRate.objects.values("currency").annotate(first=Min("effective_from")).values_list("currency", "first"))
