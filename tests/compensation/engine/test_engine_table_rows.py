"""The product writes commission lines from the LineTable's integer columns as COPY text (PostgreSQL,
`compensation.services.line_text`); the stored values must be the ones the `Line`s would store: the credit exact,
the attainments rounded half away from zero to the column's 6 places (what PostgreSQL's numeric input does to the
40-digit Decimal of a Line), the amount in cents, and the same text columns and facts. Random worlds of
test_engine_frames (FX, splits, roll-ups, caps, odd quotas), with names that COPY must escape.
"""
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from test_engine_frames import worlds

from compensation.engine.table import calculate_table
from compensation.services.line_text import column_text

MICRO = Decimal("0.000001")
PLANS = {"p1": "Plan\tone \\ ü", "p2": "Plan two"}
_UNESCAPE = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def fields(line: str) -> list:
    """One COPY text line back to its values (None for \\N)."""
    assert line.endswith("|end\n")
    return [None if f == "\\N" else re.sub(r"\\[\\tnr]", lambda m: _UNESCAPE[m.group()], f)
            for f in line[:-len("|end\n")].split("\t")]


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_column_text_stores_what_the_lines_would(inp):
    table = calculate_table(inp)
    lines = table.lines("facts")
    make = column_text(table, run_id=7, plan_names=PLANS, deal_ids={}, d=lambda name, value: value,
                       ends=("42\t", "|end\n"))
    n = table.n
    statement: dict = {}  # one statement per (seller, period), as the writer's
    entries = [(statement.setdefault((table.c_seller[i], table.c_period[i]), len(statement) + 3), 5, i)
               for i in table.order.tolist() if i < n]

    def made_of(part):
        return make([e[0] for e in part], [e[1] for e in part], np.asarray([e[2] for e in part], dtype=np.int64))

    made = made_of(entries)
    # the writer asks for them in slices of its order: the same text, whatever the slice
    assert [r for s in range(0, len(entries), 3) for r in made_of(entries[s:s + 3])] == made
    made = iter(made)
    checked = 0
    for i, line in zip(table.order.tolist(), lines, strict=True):
        if i >= n:
            continue
        r = fields(next(made))
        assert len(r) == 22
        assert r[:6] == ["42", str(statement[(line.seller, line.period)]), "7", str(line.seller), line.period, "5"]
        assert r[6:12] == [PLANS[line.plan], line.component, "commission", None, line.deal, line.credit_kind]
        assert Decimal(r[12]) == line.credit  # exact micro-units
        assert r[13] == str(line.quota) and r[14] == line.quota_period and r[17] == str(line.rate)
        assert Decimal(r[15]) == line.attainment_before.quantize(MICRO, rounding=ROUND_HALF_UP)
        assert Decimal(r[16]) == line.attainment_after.quantize(MICRO, rounding=ROUND_HALF_UP)
        assert r[18] == str(line.amount)
        assert r[19:] == ["", line.facts, None]
        checked += 1
    assert checked == n
