from django.db import migrations

from spm.tenancy.operations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial"), ("spm", "0002_row_level_security")]

    operations = [
        EnableTenantRLS("opportunity"),
        EnableTenantRLS("opportunitysplit"),
        EnableTenantRLS("stagechange"),
        EnableTenantRLS("opportunityevent"),
    ]
