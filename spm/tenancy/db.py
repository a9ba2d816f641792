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
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.db.backends.base.base import NO_DB_ALIAS

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


class AppRoleError(ImproperlyConfigured):
    """The application role is missing or would bypass row-level security: refuse to serve."""


def switch_to_app_role(sender, connection, **kwargs) -> None:
    """`connection_created` handler: drop to the application role unless in owner mode.

    Fails closed: when the role does not exist, or is a superuser or has BYPASSRLS (so the RLS
    policies would not apply), the connection is closed and `AppRoleError` raised — the process
    stops instead of serving tenants as a role that sees every tenant's rows.
    """
    if connection.vendor != "postgresql" or getattr(_owner_mode, "on", False):
        return
    if connection.alias == NO_DB_ALIAS:
        return  # Django's maintenance connection (CREATE/DROP DATABASE for the test database)
    role = settings.DATABASE_APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, r.rolname IS NOT NULL, COALESCE(r.rolsuper, false), COALESCE(r.rolbypassrls, false) "
            "FROM (SELECT 1) AS one LEFT JOIN pg_roles AS r ON r.rolname = %s",
            [role],
        )
        user, role_exists, is_super, bypasses = cursor.fetchone()
    problem = None
    if not role:
        problem = "DATABASE_APP_ROLE is empty"
    elif not role_exists:
        problem = (f"the database role {role!r} (DATABASE_APP_ROLE) does not exist: run `python manage.py migrate`, "
                   "which creates it, or create it as a NOSUPERUSER NOBYPASSRLS role")
    elif is_super or bypasses:
        problem = (f"the database role {role!r} (DATABASE_APP_ROLE) is a superuser or has BYPASSRLS, so row-level "
                   "security would not apply: use a NOSUPERUSER NOBYPASSRLS role that owns no table")
    if problem is None and user != role:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")
        return
    if problem is None:
        return
    logger.critical("refusing to run tenant queries: %s", problem, extra={"role": role, "login_user": user})
    connection.close()
    raise AppRoleError(f"Refusing to run tenant queries: {problem}.")


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
