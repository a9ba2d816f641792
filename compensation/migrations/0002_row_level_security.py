from django.db import migrations

from spm.tenancy.operations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("compensation", "0001_initial"), ("spm", "0002_row_level_security")]

    operations = [
        EnableTenantRLS("compplan"),
        EnableTenantRLS("planassignment"),
        EnableTenantRLS("calculationrun"),
        EnableTenantRLS("statement"),
        EnableTenantRLS("adjustment"),
        EnableTenantRLS("earningline"),
    ]
