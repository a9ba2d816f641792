"""The planner statistics the deal list relies on (performance migration 0015)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="extended statistics are PostgreSQL's")
def test_stage_and_state_have_joint_statistics():
    # Without them a stage filter whose deals are all in the other state walks the tenant's whole
    # close-date index (4.6 s per deal-list page at 1,000,000 deals; docs/benchmarks.md, importidx).
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxkind, array(SELECT attname FROM pg_attribute WHERE attrelid = stxrelid "
                       "AND attnum = ANY(stxkeys) ORDER BY attname) FROM pg_statistic_ext "
                       "WHERE stxname = 'opp_stage_state_stats' AND stxrelid = 'performance_opportunity'::regclass")
        row = cursor.fetchone()
    assert row is not None
    kinds, columns = row
    assert "m" in kinds and columns == ["is_closed", "stage"]
