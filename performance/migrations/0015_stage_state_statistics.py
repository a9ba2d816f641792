"""Extended statistics on (stage, is_closed) of the deal table (PostgreSQL only).

The deal list filtered by a stage whose deals are all in the other state (an open stage on the Closed tab,
the page's default; "Closed Won" on the Open tab) matches nothing, but the planner multiplies the two
selectivities, expects 50 matches early in opp_tenant_close_idx and walks the tenant's whole close-date
index: 0.75 s and 4.1 s at 1,000,000 deals. With the pairs' MCV list it knows the pair is empty and reads
the stage's entries instead (0.14-0.16 s): bounded by the stage, at no cost to writes (ANALYZE builds
it). docs/benchmarks.md, branch importidx.
"""

from django.db import migrations

STATISTICS = "opp_stage_state_stats"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv) ON stage, is_closed "
                              "FROM performance_opportunity")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):

    dependencies = [("performance", "0014_no_fk_constraints_bulk_tables")]

    operations = [migrations.RunPython(create, drop)]
