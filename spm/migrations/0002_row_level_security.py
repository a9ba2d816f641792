"""Create the application role and put every kernel tenant table behind row-level security."""

from django.conf import settings
from django.db import migrations

from spm.tenancy.operations import EnableTenantRLS, create_app_role_sql


def create_app_role(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in create_app_role_sql(settings.DATABASE_APP_ROLE, settings.DATABASE_APP_PASSWORD):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("spm", "0001_initial")]

    operations = [
        migrations.RunPython(create_app_role, migrations.RunPython.noop),
        EnableTenantRLS("membership", also_visible_to_user=True),
        EnableTenantRLS("fxrate"),
        EnableTenantRLS("period"),
        EnableTenantRLS("auditevent"),
    ]
