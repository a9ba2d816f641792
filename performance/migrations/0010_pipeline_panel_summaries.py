import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models

from spm.tenancy.operations import EnableTenantRLS

# The stuck-deal totals read the stage history: a stage change written without the summary hook
# marks the summary dirty too (the 0006 trigger function), so it is never read stale.
STAGE_TRIGGER = """
CREATE TRIGGER pipeline_summary_dirty AFTER INSERT OR UPDATE OR DELETE ON performance_stagechange
  FOR EACH STATEMENT EXECUTE FUNCTION performance_pipeline_summary_dirty();
"""


def trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STAGE_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS pipeline_summary_dirty ON performance_stagechange")


class Migration(migrations.Migration):

    dependencies = [
        ('performance', '0009_merge_20261202_0658'),
        ('planning', '0004_merge_capacity_seller_team_territories'),
        ('spm', '0005_sso'),
    ]

    operations = [
        migrations.CreateModel(
            name='PipelinePanelSummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('team', models.CharField(blank=True, max_length=100)),
                ('region', models.CharField(blank=True, max_length=50)),
                ('kind', models.CharField(max_length=8)),
                ('state_start', models.CharField(blank=True, max_length=8)),
                ('state_end', models.CharField(blank=True, max_length=8)),
                ('created_in', models.BooleanField(default=False)),
                ('n', models.IntegerField()),
                ('amount_cents', models.BigIntegerField()),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='planning.seller')),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='spm.tenant')),
            ],
            options={
                'indexes': [models.Index(fields=['tenant', 'owner'], name='pipeline_panel_owner_idx')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_tenants', django.db.models.manager.Manager()),
            ],
        ),
        EnableTenantRLS("pipelinepanelsummary"),
        migrations.RunPython(trigger, drop_trigger),
    ]
