"""Risk rules on hand-computed history (no database)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from performance.alerts import engine

Q1 = ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31))
TODAY = date(2027, 3, 1)


def _history(rows):
    frame = pd.DataFrame(rows, columns=["opp", "as_of", "stage", "amount", "close_date", "is_closed", "is_won"])
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    frame["close_date"] = pd.to_datetime(frame["close_date"])
    frame["owner"] = 10
    return frame


HISTORY = _history([
    (1, "2027-01-01", "A", 5000.0, "2027-03-20", False, False),     # 59 days in A (> default norm 30): stalled
    (2, "2027-02-20", "B", 800.0, "2027-02-25", False, False),      # past due since Feb 25: slipped
    (3, "2027-02-10", "A", 1000.0, "2027-03-10", False, False),
    (3, "2027-02-20", "A", 700.0, "2027-03-10", False, False),      # 1,000 → 700 (−30 %): shrinking
    (4, "2027-01-15", "A", 900.0, "2027-03-15", False, False),
    (4, "2027-02-15", "B", 900.0, "2027-04-20", False, False),      # pushed out of Q1 within 30 days
    (5, "2027-01-01", "A", 300.0, "2027-01-20", False, False),
    (5, "2027-01-20", "Won", 300.0, "2027-01-20", True, True),      # closed: never flagged
])


def test_each_rule_flags_exactly_the_deals_it_describes():
    flags = engine.deal_flags(HISTORY, TODAY, Q1)
    got = sorted((f.kind, f.opportunity) for f in flags)
    assert got == [("shrinking", 3), ("slipped", 2), ("slipped", 4), ("stalled", 1)]
    by = {(f.kind, f.opportunity): f for f in flags}
    assert by[("stalled", 1)].message == "Stalled: 59 days in A (norm 30 days)."
    assert by[("slipped", 2)].key == "slipped:2:2027-02-25"
    assert by[("slipped", 4)].key == "pushed:4:2027-Q1"
    assert "2027-03-15 to 2027-04-20" in by[("slipped", 4)].message
    assert by[("shrinking", 3)].message == "Shrinking: amount fell from 1,000 to 700 (-30%)."
    assert all(f.action for f in flags) and all(f.seller == 10 for f in flags)


def test_stage_norms_use_the_75th_percentile_of_finished_stints_once_there_are_five():
    rows = []
    for i, days in enumerate([10, 20, 30, 40, 50]):
        start = pd.Timestamp("2026-01-01")
        rows += [(i, start, "S", 1.0, start, False, False),
                 (i, start + pd.Timedelta(days=days), "T", 1.0, start, False, False)]
    stints = engine.stage_stints(_history(rows))
    assert len(stints) == 10 and stints["end"].notna().sum() == 5
    norms = engine.stage_norms(stints, {"T", "U"})
    assert norms["S"] == 40.0  # 75th percentile of 10..50
    assert norms["T"] == 30.0 and norms["U"] == 30.0  # no finished stint: the default


def test_pipeline_gap_against_remaining_quota():
    flags = engine.pipeline_gap_flags(quotas={10: 100000.0, 11: 50000.0, 12: 10000.0},
                                      won={10: 20000.0, 12: 15000.0}, pipeline={10: 100000.0, 11: 200000.0},
                                      quarter=Q1)
    assert [(f.seller, f.key) for f in flags] == [(10, "gap:10:2027-Q1")]
    gap = flags[0]
    # remaining 80,000; coverage 100,000 / 80,000 = 1.25; need 3 × 80,000 − 100,000 = 140,000
    assert gap.amount == 140000.0
    assert "coverage 1.2×" in gap.message and "Build about 140,000" in gap.action
