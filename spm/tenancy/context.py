"""The tenant in scope for this request or task, held in a context variable.

Scoped managers read it and raise when it is absent (fail closed); the database layer reads the
same variable to `SET LOCAL app.tenant_id`, so the ORM filter and PostgreSQL's row-level security
always agree on which tenant is being served.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spm.models import Tenant


class TenantScopeError(RuntimeError):
    """A tenant-owned model was queried with no tenant in scope."""


_current_tenant: ContextVar[Tenant | None] = ContextVar("current_tenant", default=None)


def current_tenant() -> Tenant:
    tenant = _current_tenant.get()
    if tenant is None:
        raise TenantScopeError(
            "No tenant in scope: wrap the work in spm.tenancy.context.tenant_scope(tenant) "
            "(views and tasks do this for you), or use Model.all_tenants deliberately."
        )
    return tenant


def current_tenant_or_none() -> Tenant | None:
    return _current_tenant.get()


@contextmanager
def tenant_scope(tenant: Tenant) -> Iterator[Tenant]:
    token = _current_tenant.set(tenant)
    try:
        yield tenant
    finally:
        _current_tenant.reset(token)
