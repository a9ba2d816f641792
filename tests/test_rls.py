"""PostgreSQL row-level security: the backstop under the scoped managers, checked table by table.

For every concrete TenantModel: RLS is enabled AND forced with a policy; raw SQL that forgets the
tenant filter sees nothing of acme unless acme is the tenant in scope; a row written with another
tenant's id is refused by WITH CHECK; the application role can bypass none of it; the tenant
setting ends with its transaction. The counts to compare against come from a separate connection
as the owning superuser, which RLS does not restrict.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from spm.tenancy.db import tenant_atomic
from spm.tenancy.models import tenant_models
from tests import factories
from tests.conftest import committed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TENANT_MODELS = sorted(tenant_models(), key=lambda m: m._meta.label_lower)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """acme and globex with a row in every tenant table, committed so the owner's connection sees it."""
    with committed(django_db_blocker):
        yield (
            factories.complete_tenant(factories.build_tenant("acme")),
            factories.complete_tenant(factories.build_tenant("globex")),
        )


def owner_count(table: str, tenant_id: int) -> int:
    """The true row count, read as the owner (superuser) on a separate connection: no RLS."""
    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None, host=s["HOST"] or None, port=s["PORT"] or None,
        autocommit=True,
    ) as owner, owner.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}" WHERE tenant_id = %s', [tenant_id])
        return cursor.fetchone()[0]


def scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def set_tenant(value: str | None) -> None:
    if value is None:
        scalar("SELECT 1 FROM (SELECT 1) AS x")  # make sure the transaction has begun
        with connection.cursor() as cursor:
            cursor.execute("RESET app.tenant_id")
    else:
        scalar("SELECT set_config('app.tenant_id', %s, true)", [value])


def test_every_tenant_model_is_checked():
    assert len(TENANT_MODELS) >= 15, [m._meta.label for m in TENANT_MODELS]


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label_lower)
def test_table_has_forced_rls_and_a_tenant_policy(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", [table])
        assert cursor.fetchone() == (True, True), f"{table}: add EnableTenantRLS({model._meta.model_name!r}) to a migration"
        cursor.execute("SELECT polname, pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid) "
                       "FROM pg_policy WHERE polrelid = %s::regclass", [table])
        policies = cursor.fetchall()
    assert policies, f"{table} has RLS enabled but no policy"
    assert any("app.tenant_id" in (using or "") and "app.tenant_id" in (check or "") for _, using, check in policies), policies


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label_lower)
def test_raw_sql_without_the_tenant_sees_no_rows(model, world):
    acme, globex = world
    table = model._meta.db_table
    expected = owner_count(table, acme.tenant.pk)
    assert expected > 0, f"no acme row in {table}: extend tests.factories.complete_tenant"
    assert owner_count(table, globex.tenant.pk) > 0, f"no globex row in {table}: extend tests.factories.complete_tenant"
    count_sql = f'SELECT count(*) FROM "{table}" WHERE tenant_id = %s'
    for label, value in (("unset", None), ("empty", ""), ("globex", str(globex.tenant.pk))):
        with transaction.atomic():
            set_tenant(value)
            assert scalar(count_sql, [acme.tenant.pk]) == 0, f"{table}: acme rows visible with app.tenant_id {label}"
    with transaction.atomic():
        set_tenant(str(acme.tenant.pk))
        assert scalar(count_sql, [acme.tenant.pk]) == expected
        assert scalar(f'SELECT count(*) FROM "{table}" WHERE tenant_id <> %s', [acme.tenant.pk]) == 0


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label_lower)
def test_writing_a_row_for_another_tenant_is_refused(model, world):
    acme, globex = world
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    select = ", ".join("%s" if c == "tenant_id" else f'"{c}"' for c in columns)
    insert = (
        f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
        f'SELECT {select} FROM "{table}" WHERE tenant_id = %s LIMIT 1'
    )
    # A copy of an acme row relabelled as globex's, inserted while acme is in scope.
    with pytest.raises(DatabaseError, match="row-level security"), tenant_atomic(acme.tenant), connection.cursor() as c:
        c.execute(insert, [globex.tenant.pk, acme.tenant.pk])
    # Moving an acme row to globex is refused the same way.
    with pytest.raises(DatabaseError, match="row-level security"), tenant_atomic(acme.tenant), connection.cursor() as c:
        c.execute(f'UPDATE "{table}" SET tenant_id = %s WHERE tenant_id = %s', [globex.tenant.pk, acme.tenant.pk])


def test_the_application_role_cannot_bypass_rls(world):
    acme, _globex = world
    with tenant_atomic(acme.tenant), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, is_super, bypass = cursor.fetchone()
        assert (is_super, bypass) == (False, False), user
        tables = [m._meta.db_table for m in TENANT_MODELS]
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relname = ANY(%s) AND pg_get_userbyid(c.relowner) = current_user",
            [tables],
        )
        assert cursor.fetchall() == [], f"{user} owns tenant tables, so FORCE is its only guard"


@pytest.mark.django_db(transaction=True)  # a real commit; kept last: its flush empties the module's world
def test_the_tenant_setting_ends_with_its_transaction(world):
    acme, _globex = world
    with tenant_atomic(acme.tenant):
        assert scalar("SELECT current_setting('app.tenant_id', true)") == str(acme.tenant.pk)
    # Same connection, after the commit: nothing left for the next request or task to inherit.
    assert scalar("SELECT current_setting('app.tenant_id', true)") in ("", None)
    assert scalar("SELECT count(*) FROM planning_seller WHERE tenant_id = %s", [acme.tenant.pk]) == 0
    with transaction.atomic():
        assert scalar("SELECT current_setting('app.tenant_id', true)") in ("", None)
        assert scalar("SELECT count(*) FROM planning_seller") == 0
