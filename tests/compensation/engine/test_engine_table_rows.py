"""The product writes commission lines from the LineTable's integer columns (PostgreSQL); the stored values must
be the ones the `Line`s would store: the credit exact, the attainments rounded half away from zero to the
column's 6 places (what PostgreSQL's numeric input does to the 40-digit Decimal of a Line), the amount in cents,
and the same text columns and facts. Random worlds of test_engine_frames (FX, splits, roll-ups, caps, odd quotas).
"""
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from test_engine_frames import worlds

from compensation.engine.table import calculate_table
from compensation.services.calculation import _column_rows

MICRO = Decimal("0.000001")


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_column_rows_store_what_the_lines_would(inp):
    table = calculate_table(inp)
    lines = table.lines("facts")
    rows = _column_rows(table, 7, {"p1": "Plan one", "p2": "Plan two"}, {}, lambda name, value: value)
    n = table.n
    entries = [(3, 5, i) for i in table.order.tolist() if i < n]
    made = rows(entries)
    # the writer asks for them in slices of its order: the same rows, whatever the slice
    assert [r for s in range(0, len(entries), 3) for r in rows(entries[s:s + 3])] == made
    made = iter(made)
    checked = 0
    for i, line in zip(table.order.tolist(), lines, strict=True):
        if i >= n:
            continue
        r = next(made)
        assert r[:5] == (3, 7, line.seller, line.period, 5)
        assert r[5:11] == ({"p1": "Plan one", "p2": "Plan two"}[line.plan], line.component, "commission", None,
                           line.deal, line.credit_kind)
        assert Decimal(r[11]) == line.credit  # exact micro-units
        assert r[12] == line.quota and r[13] == line.quota_period and r[16] == line.rate
        assert Decimal(r[14]) == line.attainment_before.quantize(MICRO, rounding=ROUND_HALF_UP)
        assert Decimal(r[15]) == line.attainment_after.quantize(MICRO, rounding=ROUND_HALF_UP)
        assert r[17] == str(line.amount)
        assert (r[18], r[19], r[20]) == ("", line.facts, None)
        checked += 1
    assert checked == n
