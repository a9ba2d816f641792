"""Celery tasks enter the tenant scope here; they take primitives (tenant_id, object ids)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from spm.models import Tenant

from .context import tenant_scope


def tenant_task(func: Callable) -> Callable:
    """Decorate a task body taking `tenant_id=` so it runs with that tenant in scope.

    The scope (context variable) covers the whole task; each transaction inside it is opened with
    `tenant_atomic()`, which sets `app.tenant_id` locally for RLS. Long tasks use several short
    transactions so that progress commits and is visible to the browser while they run.
    """

    @functools.wraps(func)
    def wrapper(*args, tenant_id: int, **kwargs):
        tenant = Tenant.objects.get(pk=tenant_id)
        with tenant_scope(tenant):
            return func(*args, tenant_id=tenant_id, **kwargs)

    return wrapper
