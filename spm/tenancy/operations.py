"""Migration operations that install the row-level-security backstop on PostgreSQL."""

from __future__ import annotations

from django.db import migrations

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint"
USER_PREDICATE = "user_id = NULLIF(current_setting('app.user_id', true), '')::bigint"


class EnableTenantRLS(migrations.operations.base.Operation):
    """ENABLE + FORCE row-level security on a tenant table with the tenant policy.

    FORCE makes the policy apply to the table owner too; the application role is neither owner
    nor superuser. ``also_visible_to_user`` widens *reads* to the user's own rows (memberships,
    so the tenant switcher can list them); writes are always checked against the tenant.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str, also_visible_to_user: bool = False) -> None:
        self.model_name = model_name
        self.also_visible_to_user = also_visible_to_user

    def state_forwards(self, app_label, state) -> None:
        pass

    def _table(self, app_label, state) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(self._table(app_label, to_state))
        using = TENANT_PREDICATE
        if self.also_visible_to_user:
            using = f"({TENANT_PREDICATE}) OR ({USER_PREDICATE})"
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK ({TENANT_PREDICATE})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(self._table(app_label, from_state))
        schema_editor.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self) -> str:
        return f"Enable tenant row-level security on {self.model_name}"

    def deconstruct(self):
        kwargs = {"model_name": self.model_name}
        if self.also_visible_to_user:
            kwargs["also_visible_to_user"] = True
        return (self.__class__.__name__, [], kwargs)


def create_app_role_sql(role: str, password: str) -> list[str]:
    """Create the application role (idempotent) and grant it DML on everything, now and later."""
    quoted = '"' + role.replace('"', '""') + '"'
    pw = password.replace("'", "''")
    login = f"LOGIN PASSWORD '{pw}'" if password else "LOGIN"
    return [
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {quoted} {login} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
              END IF;
            END $$""",
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {quoted}",
    ]
