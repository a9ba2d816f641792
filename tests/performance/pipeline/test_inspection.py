"""Coverage, velocity, stage norms, close-date moves and flow on hand-computed data (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from performance.pipeline.inspection import (
    close_date_moves,
    coverage,
    flow,
    flow_cells_from_deals,
    stage_norms,
    stage_stays,
    velocity,
)


def test_coverage_is_pipeline_over_remaining_quota():
    # quota 10,000.00, booked 4,000.00 -> remaining 6,000.00; pipeline 9,000.00 -> 1.5x
    c = coverage(pipeline_cents=900_000, quota_cents=1_000_000, booked_cents=400_000)
    assert c == {"pipeline": "9000.00", "quota": "10000.00", "booked": "4000.00",
                 "remaining_quota": "6000.00", "coverage": 1.5}


def test_coverage_is_null_without_quota_or_when_met():
    assert coverage(pipeline_cents=1, quota_cents=None, booked_cents=0)["coverage"] is None
    met = coverage(pipeline_cents=100, quota_cents=500, booked_cents=700)
    assert met["remaining_quota"] == "0.00" and met["coverage"] is None


def test_velocity_is_open_times_win_rate_times_average_over_cycle():
    # 10 open x 0.25 x 2,000.00 / 50 days = 100.00 per day
    assert velocity(open_count=10, win_rate=0.25, avg_won_cents=200_000, cycle_days=50) == "100.00"
    assert velocity(open_count=10, win_rate=None, avg_won_cents=200_000, cycle_days=50) is None
    assert velocity(open_count=10, win_rate=0.5, avg_won_cents=None, cycle_days=50) is None
    assert velocity(open_count=10, win_rate=0.5, avg_won_cents=1, cycle_days=0) is None


def _at(day):
    return datetime(2017, 1, day, tzinfo=UTC)


def test_stage_stays_and_norms_use_completed_stays_only():
    changes = pd.DataFrame([
        # deal 1: qualify 1 -> 5 (4 days), propose 5 -> 15 (10 days), won 15 (open-ended)
        (1, "qualify", _at(1)), (1, "propose", _at(5)), (1, "won", _at(15)),
        # deal 2: qualify 2 -> 4 (2 days), propose 4 (still there)
        (2, "qualify", _at(2)), (2, "propose", _at(4)),
    ], columns=["opportunity_id", "to_stage", "changed_at"])
    stays = stage_stays(changes)
    assert sorted(map(tuple, stays.to_numpy().tolist())) == [("propose", 10.0), ("qualify", 2.0), ("qualify", 4.0)]
    assert stage_norms(stays, min_stays=2) == {"qualify": 3.5}  # p75 of 2 and 4; propose has 1 stay
    assert stage_norms(stays, min_stays=1) == {"propose": 10.0, "qualify": 3.5}


def test_close_date_moves_compare_recorded_dates_on_the_two_days():
    history = pd.DataFrame([
        (1, date(2017, 1, 1), date(2017, 3, 31)), (1, date(2017, 2, 1), date(2017, 6, 30)),  # pushed
        (2, date(2017, 1, 1), date(2017, 6, 30)), (2, date(2017, 2, 10), date(2017, 4, 30)),  # pulled in
        (3, date(2017, 1, 1), date(2017, 3, 31)), (3, date(2017, 3, 15), date(2017, 9, 30)),  # moved after E
        (4, date(2017, 2, 1), date(2017, 3, 31)),  # first seen after S: no start date to compare
    ], columns=["opportunity_id", "as_of", "close_date"])
    moves = close_date_moves(history, start=date(2017, 1, 15), end=date(2017, 2, 28))
    assert moves.to_dict("records") == [
        {"opportunity_id": 1, "close_start": date(2017, 3, 31), "close_end": date(2017, 6, 30), "move": "pushed"},
        {"opportunity_id": 2, "close_start": date(2017, 6, 30), "close_end": date(2017, 4, 30), "move": "pulled_in"},
    ]


def test_flow_balances_open_start_created_won_lost_open_end():
    s, e = date(2017, 1, 31), date(2017, 3, 31)
    deals = pd.DataFrame([
        (date(2017, 1, 1), date(2017, 2, 15), True, True, 100_00),    # open at S, won in window
        (date(2017, 1, 1), date(2017, 3, 31), True, False, 200_00),   # open at S, lost on E
        (date(2017, 2, 1), date(2017, 5, 1), False, False, 300_00),   # created in window, open at E
        (date(2017, 2, 1), date(2017, 2, 20), True, True, 400_00),    # created and won in window
        (None, None, False, False, 500_00),                           # undated: open throughout
        (date(2016, 12, 1), date(2017, 1, 10), True, True, 600_00),   # closed before S: nowhere
        (date(2017, 4, 1), None, False, False, 700_00),               # created after E: nowhere
    ], columns=["created_date", "close_date", "is_closed", "is_won", "amount_cents"])
    f = flow(flow_cells_from_deals(deals, start=s, end=e))
    assert f == {
        "open_start": {"count": 3, "amount": "800.00"},
        "created": {"count": 2, "amount": "700.00"},
        "won": {"count": 2, "amount": "500.00"},
        "lost": {"count": 1, "amount": "200.00"},
        "open_end": {"count": 2, "amount": "800.00"},
    }
    assert 3 + 2 - 2 - 1 == 2


def test_ramped_quotas_grouped_by_signature_equal_one_computation_per_seller():
    """Sellers sharing a hire date and quota rows are computed once: the same figures as the
    engine's per-seller function, over month, quarter and year rows, ramp and manual sources."""
    from decimal import Decimal

    from performance.pipeline.selectors import ramped_quotas_by_seller
    from performance.scorecards.engine import QuotaRow, SellerInfo, quotas_by_seller, ramped_quota_cents

    hires = [None, date(2026, 11, 3), date(2027, 1, 20), date(2020, 1, 1)]
    sellers, rows = [], []
    for i in range(60):
        sellers.append(SellerInfo(id=i, name=f"s{i}", email=f"s{i}@x", role_type="AE", hire_date=hires[i % 4]))
        amount = Decimal("90000.00") if i % 3 else Decimal("120000.01")
        if i % 5 == 0:
            rows.append(QuotaRow(seller_id=i, period="2027", amount=amount * 4))
        elif i % 5 == 1:
            rows.append(QuotaRow(seller_id=i, period="2027-01", amount=amount / 3, source="ramp"))
            rows.append(QuotaRow(seller_id=i, period="2027-Q1", amount=amount))
        elif i % 5 == 2:
            rows.append(QuotaRow(seller_id=i, period="2027-Q1", amount=amount))
        elif i % 5 == 3:
            rows.append(QuotaRow(seller_id=i, period="2026-Q4", amount=amount))  # none for the period
    index = quotas_by_seller(rows)
    expected = {s.id: q for s in sellers if (q := ramped_quota_cents(index, s, "2027-Q1", 1)) is not None}
    assert ramped_quotas_by_seller(index, sellers, "2027-Q1", 1) == expected
    assert len(expected) == 36  # every seller with a row covering the quarter
