from django.db import migrations

from spm.tenancy.operations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_initial"), ("spm", "0002_row_level_security")]

    operations = [
        EnableTenantRLS("seller"),
        EnableTenantRLS("territory"),
        EnableTenantRLS("account"),
        EnableTenantRLS("quota"),
    ]
