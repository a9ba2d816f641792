"""`TenantModel`: the base of every tenant-owned table."""

from __future__ import annotations

from django.db import models

from .context import current_tenant


class TenantManager(models.Manager):
    """Default manager: rows of the tenant in scope only; raises when no tenant is in scope."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(tenant=current_tenant())


class TenantModel(models.Model):
    tenant = models.ForeignKey("spm.Tenant", on_delete=models.CASCADE, editable=False, related_name="+")

    objects = TenantManager()
    # Unscoped, on purpose and by name: migrations, operations commands and tests. PostgreSQL RLS
    # still applies to it at run time.
    all_tenants = models.Manager()  # noqa: DJ012 (managers read better together)

    class Meta:
        abstract = True
        base_manager_name = "all_tenants"

    def save(self, *args, **kwargs) -> None:
        if self.tenant_id is None:
            self.tenant = current_tenant()
        super().save(*args, **kwargs)


def tenant_models() -> list[type[models.Model]]:
    """Every concrete tenant-owned model (the RLS test and the sweep enumerate these)."""
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, TenantModel)]
