"""PostgreSQL side of tenancy: the application role, `SET LOCAL` of the tenant, owner mode.

* Every runtime connection runs as ``settings.DATABASE_APP_ROLE`` — a role that owns no table
  and is not a superuser, so the RLS policies apply to it (tables also have FORCE RLS). When the
  connection logs in as another user (a superuser in development and CI) we ``SET ROLE`` straight
  after connecting; production connects as the application role directly.
* Migrations run in *owner mode* (no role switch) because they create tables and policies.
* ``tenant_atomic`` opens a transaction and sets ``app.tenant_id`` with ``set_config(..., true)``
  — the transaction-local form: a plain ``SET`` would survive on a pooled connection and leak
  into the next request (see PITFALLS.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, connections, transaction

from .context import current_tenant, tenant_scope

if TYPE_CHECKING:
    from spm.models import Tenant

logger = logging.getLogger(__name__)
_owner_mode = threading.local()


def is_postgres(conn=None) -> bool:
    return (conn or connection).vendor == "postgresql"


@contextmanager
def owner_mode() -> Iterator[None]:
    """Run as the connecting (owning) user: migrations and test-database set-up only."""
    previous = getattr(_owner_mode, "on", False)
    _owner_mode.on = True
    connections.close_all()
    try:
        yield
    finally:
        _owner_mode.on = previous
        connections.close_all()


def switch_to_app_role(sender, connection, **kwargs) -> None:
    """`connection_created` handler: drop to the application role unless in owner mode."""
    if connection.vendor != "postgresql" or getattr(_owner_mode, "on", False):
        return
    if connection.settings_dict.get("NAME") in (None, "", "postgres"):
        return  # Django's maintenance connection (CREATE/DROP DATABASE for the test database)
    role = settings.DATABASE_APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", [role]
        )
        user, role_exists = cursor.fetchone()
        if user == role:
            return
        if not role_exists:
            logger.warning("database role missing, run migrate first", extra={"role": role})
            return
        cursor.execute(f'SET ROLE "{role}"')


def set_db_scope(*, tenant_id: int | None, user_id: int | None = None) -> None:
    """Set the transaction-local tenant (and user, for the membership policy)."""
    if not is_postgres():
        return
    if not connection.in_atomic_block:
        raise RuntimeError("set_db_scope() outside a transaction would not last past this query")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.tenant_id', %s, true), set_config('app.user_id', %s, true)",
            ["" if tenant_id is None else str(tenant_id), "" if user_id is None else str(user_id)],
        )


@contextmanager
def tenant_atomic(tenant: Tenant | None = None, *, user_id: int | None = None) -> Iterator[Tenant]:
    """Enter the tenant scope and open a transaction with the tenant set for RLS.

    Nested calls are cheap (a savepoint plus one ``set_config``) and always re-assert the tenant.
    """
    tenant = tenant or current_tenant()
    with tenant_scope(tenant), transaction.atomic():
        set_db_scope(tenant_id=tenant.pk, user_id=user_id)
        yield tenant


@contextmanager
def user_atomic(user_id: int) -> Iterator[None]:
    """A transaction with no tenant but the user set: lists a user's memberships across tenants."""
    with transaction.atomic():
        set_db_scope(tenant_id=None, user_id=user_id)
        yield
