"""Fail closed: the application never serves tenants as a role that bypasses row-level security.

`spm.tenancy.db.switch_to_app_role` runs on every new connection. When DATABASE_APP_ROLE names a
role that does not exist, or one that is a superuser or has BYPASSRLS, it must stop with a clear
error instead of going on as the (superuser) login user. `migrate` creates the role.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import connection, connections

from spm.tenancy.db import AppRoleError
from spm.tenancy.operations import create_app_role_sql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def owner_execute(*statements: str) -> None:
    """Run SQL as the login (owner, superuser) user on its own connection: no role switch."""
    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None, host=s["HOST"] or None,
        port=s["PORT"] or None, autocommit=True,
    ) as owner, owner.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def role_attributes(role: str):
    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None, host=s["HOST"] or None,
        port=s["PORT"] or None, autocommit=True,
    ) as owner, owner.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone()


def open_new_connection():
    """A brand-new connection of the default database, as a new process or thread would open."""
    conn = connections.create_connection("default")
    try:
        conn.ensure_connection()
        with conn.cursor() as cursor:
            cursor.execute("SELECT current_user")
            return cursor.fetchone()[0]
    finally:
        conn.close()


def test_runtime_connections_use_the_app_role(settings):
    assert open_new_connection() == settings.DATABASE_APP_ROLE


def test_a_missing_app_role_stops_the_process(settings):
    settings.DATABASE_APP_ROLE = f"spm_missing_{uuid.uuid4().hex[:8]}"
    with pytest.raises(AppRoleError, match="does not exist.*migrate"):
        open_new_connection()


@pytest.mark.parametrize("attribute", ["SUPERUSER", "BYPASSRLS"])
def test_an_app_role_that_bypasses_rls_stops_the_process(settings, attribute):
    role = f"spm_bypass_{uuid.uuid4().hex[:8]}"
    owner_execute(f'CREATE ROLE "{role}" NOLOGIN {attribute}', f'GRANT "{role}" TO CURRENT_USER')
    try:
        settings.DATABASE_APP_ROLE = role
        with pytest.raises(AppRoleError, match="superuser or has BYPASSRLS"):
            open_new_connection()
    finally:
        owner_execute(f'DROP ROLE "{role}"')


def test_an_empty_app_role_stops_the_process(settings):
    settings.DATABASE_APP_ROLE = ""
    with pytest.raises(AppRoleError, match="empty"):
        open_new_connection()


def test_migrate_creates_a_role_that_cannot_bypass_rls():
    """The SQL `migrate` runs (migration spm/0002 and the post-migrate grants) creates the role."""
    role = f"spm_fresh_{uuid.uuid4().hex[:8]}"
    owner_execute(*create_app_role_sql(role, ""))
    try:
        assert role_attributes(role) == (False, False)
    finally:
        owner_execute(f'DROP OWNED BY "{role}"', f'DROP ROLE "{role}"')
