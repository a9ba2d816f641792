"""Every pipeline metric on hand-computed data (pure, no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from performance.pipeline.metrics import (
    SellerRef,
    age_bucket,
    aging,
    bookings_by_quarter,
    deal_cells,
    fiscal_quarter_key,
    grouped_weighted_median,
    metrics,
    metrics_by,
    money,
    report,
    weighted_median,
)

D = date(2017, 6, 30)


def deal(owner=1, amount="100.00", created=None, closed=None, is_closed=False, is_won=False, team="", region=""):
    cents = int(round(float(amount) * 100))
    return {"owner_id": owner, "team": team, "region": region, "amount_cents": cents, "created_date": created,
            "close_date": closed, "is_closed": is_closed, "is_won": is_won}


def won(amount, created, closed, **kw):
    return deal(amount=amount, created=created, closed=closed, is_closed=True, is_won=True, **kw)


def lost(amount, created, closed, **kw):
    return deal(amount=amount, created=created, closed=closed, is_closed=True, is_won=False, **kw)


# Hand-computed world as of 2017-06-30:
#   won:  1000.00 (cycle 2017-01-01 -> 2017-01-31 = 30 days, 2017Q1)
#         2500.50 (cycle 2017-03-01 -> 2017-04-10 = 40 days, 2017Q2)
#          499.50 (no created date, closed 2017-05-05, 2017Q2; no cycle)
#   lost: 700.00 closed 2017-06-30 (on D: counts)
#   open: 300.00 created 2017-05-31 (age 30 -> 0-30), 400.00 created 2017-05-30 (age 31 -> 31-60),
#         50.00 created 2017-01-01 (age 180 -> 91-180), 60.00 created 2016-12-31 (age 181 -> 181+),
#         80.00 no created date (open, no bucket),
#         90.00 won on 2017-07-01 (after D: open; created 2017-06-30, age 0)
#   ignored: created 2017-07-01 (after D), still open
WORLD = [
    won("1000.00", date(2017, 1, 1), date(2017, 1, 31)),
    won("2500.50", date(2017, 3, 1), date(2017, 4, 10)),
    won("499.50", None, date(2017, 5, 5)),
    lost("700.00", date(2017, 2, 1), date(2017, 6, 30)),
    deal(amount="300.00", created=date(2017, 5, 31)),
    deal(amount="400.00", created=date(2017, 5, 30)),
    deal(amount="50.00", created=date(2017, 1, 1)),
    deal(amount="60.00", created=date(2016, 12, 31)),
    deal(amount="80.00"),
    won("90.00", date(2017, 6, 30), date(2017, 7, 1)),
    deal(amount="999.00", created=date(2017, 7, 1)),
]


def test_overall_metrics_follow_the_published_definitions():
    m = metrics(deal_cells(WORLD, D))
    assert m == {
        "opportunities": 10,  # 3 won + 1 lost + 6 open
        "won_count": 3,
        "lost_count": 1,
        "win_rate": 0.75,
        "bookings": "4000.00",  # 1000 + 2500.50 + 499.50
        "avg_won_deal": "1333.33",  # 4000 / 3, half up to the cent
        "median_cycle_days_won": 35.0,  # median of 30 and 40 (the undated won deal has no cycle)
        "open_count": 6,
        "open_amount": "980.00",  # 300 + 400 + 50 + 60 + 80 + 90
    }


def test_aging_buckets_are_inclusive_at_both_ends_and_skip_deals_without_created_date():
    assert aging(deal_cells(WORLD, D)) == {
        "0-30": {"count": 2, "amount": "390.00"},  # age 30 and age 0
        "31-60": {"count": 1, "amount": "400.00"},  # age 31
        "61-90": {"count": 0, "amount": "0.00"},
        "91-180": {"count": 1, "amount": "50.00"},  # age 180
        "181+": {"count": 1, "amount": "60.00"},  # age 181
    }


@pytest.mark.parametrize(("days", "bucket"), [
    (0, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"),
    (91, "91-180"), (180, "91-180"), (181, "181+"), (5000, "181+"),
])
def test_age_bucket_boundaries(days, bucket):
    assert age_bucket(days) == bucket


def test_bookings_by_quarter_uses_fiscal_quarters_without_hyphen():
    cells = deal_cells(WORLD, D)
    assert bookings_by_quarter(cells, 1) == {"2017Q1": "1000.00", "2017Q2": "3000.00"}
    # A February fiscal start: Jan 2017 belongs to fiscal 2016 Q4, Feb-Apr 2017 to 2017Q1, May to 2017Q2.
    assert bookings_by_quarter(cells, 2) == {"2016Q4": "1000.00", "2017Q1": "2500.50", "2017Q2": "499.50"}
    assert fiscal_quarter_key(date(2017, 12, 31), 1) == "2017Q4"


def test_as_of_moves_deals_between_states():
    # On 2017-01-30 the first deal is still open (age 29), the others not yet created or closed.
    m = metrics(deal_cells(WORLD, date(2017, 1, 30)))
    # open: 1000 (created 01-01, closes 01-31), 50 (01-01), 60 (2016-12-31), 80 (no created date)
    # and 499.50 (no created date, closes 05-05): closed after D but created on or before it (or
    # undated) means open on D.
    assert (m["won_count"], m["lost_count"], m["open_count"]) == (0, 0, 5)
    assert m["open_amount"] == "1689.50"
    assert m["win_rate"] is None and m["avg_won_deal"] is None and m["median_cycle_days_won"] is None
    assert m["bookings"] == "0.00"


def test_no_deals_gives_zero_counts_and_null_rates():
    m = metrics(deal_cells([], D))
    assert m == {"opportunities": 0, "won_count": 0, "lost_count": 0, "win_rate": None, "bookings": "0.00",
                 "avg_won_deal": None, "median_cycle_days_won": None, "open_count": 0, "open_amount": "0.00"}
    assert all(v == {"count": 0, "amount": "0.00"} for v in aging(deal_cells([], D)).values())


def test_only_lost_deals_give_zero_win_rate_and_null_averages():
    m = metrics(deal_cells([lost("10.00", date(2017, 1, 1), date(2017, 2, 1))], D))
    assert m["win_rate"] == 0.0 and m["avg_won_deal"] is None and m["median_cycle_days_won"] is None


def test_won_deals_without_created_dates_have_no_median():
    m = metrics(deal_cells([won("10.00", None, date(2017, 2, 1))], D))
    assert m["avg_won_deal"] == "10.00" and m["median_cycle_days_won"] is None


def test_win_rate_keeps_six_decimals():
    cells = deal_cells([won("1", date(2017, 1, 1), date(2017, 1, 2)), won("1", date(2017, 1, 1), date(2017, 1, 4)),
                        lost("1", date(2017, 1, 1), date(2017, 1, 3))], D)
    m = metrics(cells)
    assert m["win_rate"] == 0.666667
    assert m["median_cycle_days_won"] == 2.0  # cycles 1 and 3


def test_weighted_median_matches_the_plain_median():
    import numpy as np
    assert weighted_median(np.array([5.0, 1.0, 3.0]), np.array([1, 1, 1])) == 3.0
    assert weighted_median(np.array([1.0, 10.0]), np.array([3, 1])) == 1.0  # 1,1,1,10
    assert weighted_median(np.array([1.0, 10.0]), np.array([2, 2])) == 5.5  # 1,1,10,10
    assert weighted_median(np.array([np.nan]), np.array([1])) is None


def test_grouped_weighted_median_equals_the_median_of_each_group():
    import numpy as np

    rng = np.random.default_rng(3)
    keys = rng.integers(0, 40, 2000)
    values = rng.integers(0, 30, 2000).astype("float64")
    values[rng.random(2000) < 0.05] = np.nan  # won deals without both dates
    weights = rng.integers(0, 4, 2000)  # zero-weight cells are ignored
    grouped = grouped_weighted_median(keys, values, weights)
    expected = {int(k): weighted_median(values[keys == k], weights[keys == k]) for k in np.unique(keys)}
    assert grouped == {k: m for k, m in expected.items() if m is not None}


@pytest.mark.parametrize("cents", [0, 1, 5, 99, 100, 101, 123456789, -1, -5, -100, -250050, 10**15 + 7])
def test_money_formats_integer_cents_like_decimal(cents):
    from decimal import Decimal

    assert money(cents) == str((Decimal(cents) / 100).quantize(Decimal("0.01")))


def test_average_won_deal_rounds_half_up_in_integers():
    from decimal import ROUND_HALF_UP, Decimal

    from performance.pipeline.metrics import _div_half_up

    for cents in (-7, -5, -3, 0, 1, 3, 5, 7, 10, 2500051, 10**15 + 1):
        for count in (1, 2, 3, 4, 6, 7):
            expected = int((Decimal(cents) / count).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            assert _div_half_up(cents, count) == expected, (cents, count)


def test_report_groups_by_team_region_owner_and_lists_sellers_without_deals():
    deals = [
        won("100.00", date(2017, 1, 1), date(2017, 1, 11), team="East", region="EMEA"),
        deal(owner=2, amount="50.00", created=date(2017, 6, 1), team="West", region="AMER"),
        lost("30.00", date(2017, 1, 1), date(2017, 1, 5), team="East", region="EMEA"),
    ]
    sellers = [SellerRef(1, "a@x.test", "East", "EMEA"), SellerRef(2, "b@x.test", "West", "AMER"),
               SellerRef(3, "idle@x.test", "North", "APAC")]
    doc = report(deal_cells(deals, D), as_of=D, sellers=sellers, fy_start_month=1)
    assert list(doc) == ["as_of", "overall", "by_region", "by_team", "by_owner", "bookings_by_quarter", "aging"]
    assert doc["as_of"] == "2017-06-30"
    assert doc["by_team"]["East"]["won_count"] == 1 and doc["by_team"]["East"]["win_rate"] == 0.5
    assert doc["by_team"]["West"]["open_amount"] == "50.00"
    assert doc["by_region"]["APAC"]["opportunities"] == 0 and doc["by_region"]["APAC"]["win_rate"] is None
    assert doc["by_owner"]["idle@x.test"] == {
        "opportunities": 0, "won_count": 0, "lost_count": 0, "win_rate": None, "bookings": "0.00",
        "avg_won_deal": None, "median_cycle_days_won": None, "open_count": 0, "open_amount": "0.00"}
    assert doc["by_owner"]["a@x.test"]["bookings"] == "100.00"
    assert doc["by_owner"]["a@x.test"]["median_cycle_days_won"] == 10.0
    assert doc["bookings_by_quarter"] == {"2017Q1": "100.00"}
    assert doc["aging"]["0-30"] == {"count": 1, "amount": "50.00"}


def test_report_with_no_deals_lists_every_seller():
    doc = report(deal_cells([], D), as_of=D, sellers=[SellerRef(1, "a@x.test", "T", "R")], fy_start_month=1)
    assert doc["by_owner"]["a@x.test"]["opportunities"] == 0
    assert doc["by_team"] == {"T": doc["by_owner"]["a@x.test"]}
    assert doc["bookings_by_quarter"] == {}


def test_grouped_breakdown_equals_metrics_of_each_group():
    # The vectorised breakdown must give exactly what `metrics` gives on each group's cells.
    import numpy as np

    rng = np.random.default_rng(3)
    deals = []
    for i in range(400):
        created = date(2016, 1, 1) + timedelta(days=int(rng.integers(0, 500)))
        closed = created + timedelta(days=int(rng.integers(0, 200))) if rng.random() < 0.8 else None
        kind = rng.integers(0, 3)
        deals.append(deal(owner=int(rng.integers(1, 9)), amount=f"{rng.integers(1, 100000) / 100:.2f}",
                          created=None if rng.random() < 0.05 else created, closed=closed,
                          is_closed=bool(kind) and closed is not None, is_won=kind == 2 and closed is not None,
                          team=f"T{i % 3}"))
    cells = deal_cells(deals, D)
    by_owner = metrics_by(cells, "owner_id")
    for owner, group in cells.groupby("owner_id"):
        assert by_owner[owner] == metrics(group)


def test_deals_without_team_or_region_are_in_overall_and_owner_but_no_team_entry():
    doc = report(deal_cells([deal(amount="5.00", created=date(2017, 1, 1))], D), as_of=D,
                 sellers=[SellerRef(1, "a@x.test")], fy_start_month=1)
    assert doc["by_team"] == {} and doc["by_region"] == {}
    assert doc["overall"]["open_amount"] == "5.00" and doc["by_owner"]["a@x.test"]["open_amount"] == "5.00"
