"""Tenants: create or update one (no tenant scope needed)."""

from __future__ import annotations

from django.db import transaction

from spm.models import Tenant
from spm.upsert import full_clean_or_raise


def tenant_create_or_update(
    *, slug: str, name: str, base_currency: str = "USD", fiscal_year_start_month: int = 1
) -> Tenant:
    """Create the tenant `slug` or update its name, currency and fiscal year start.

    No tenant scope needed. Raises DomainError naming the field on bad values. Idempotent.
    """
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().filter(slug=slug).first() or Tenant(slug=slug)
        values = {"name": name, "base_currency": base_currency, "fiscal_year_start_month": fiscal_year_start_month}
        if tenant.pk and all(getattr(tenant, k) == v for k, v in values.items()):
            return tenant
        for key, value in values.items():
            setattr(tenant, key, value)
        full_clean_or_raise(tenant)
        tenant.save()
        return tenant
