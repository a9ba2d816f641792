"""Scorecard figures on hand-computed data (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pandas as pd

from performance.scorecards.engine import (
    MEETING_COLUMNS,
    QuotaRow,
    SellerInfo,
    attainment_histogram,
    cells_from_deals,
    leaderboard,
    quarter_keys_back,
    quota_carriers,
    ramp_factor,
    ramped_quota_cents,
    scorecards,
    teams_below,
    trend,
)

ALICE = SellerInfo(1, "Alice", "alice@x.test", "AE", team="East", region="EMEA", hire_date=date(2015, 1, 1))
BOB = SellerInfo(2, "Bob", "bob@x.test", "AE", team="East", region="EMEA", hire_date=date(2017, 2, 10))
CARA = SellerInfo(3, "Cara", "cara@x.test", "CSM", team="Care", region="AMER")
SAM = SellerInfo(4, "Sam", "sam@x.test", "SDR", team="East", region="EMEA")
SELLERS = [ALICE, BOB, CARA, SAM]


def d(owner, amount, created, closed, is_closed=True, is_won=True, deal_type="new_logo"):
    return {"owner_id": owner, "deal_type": deal_type, "is_closed": is_closed, "is_won": is_won,
            "created_date": created, "close_date": closed, "amount_cents": amount * 100}


DEALS = [
    d(1, 6000, date(2017, 1, 1), date(2017, 1, 21)),  # won in Q1, 20 days
    d(1, 4000, date(2017, 1, 10), date(2017, 3, 1)),  # won in Q1, 50 days
    d(1, 1000, date(2017, 1, 1), date(2017, 2, 1), is_won=False),  # lost in Q1
    d(1, 9000, date(2017, 2, 1), date(2017, 3, 20), is_closed=False, is_won=False),  # open, closing in Q1
    d(1, 5000, date(2016, 11, 1), date(2016, 12, 1)),  # won in 2016 Q4
    d(2, 3000, date(2017, 2, 15), date(2017, 3, 15)),  # Bob won in Q1
    d(3, 800, date(2016, 3, 1), date(2017, 2, 1), deal_type="renewal"),  # Cara renewal won
    d(3, 200, date(2016, 3, 1), date(2017, 2, 1), deal_type="renewal", is_won=False),  # renewal lost
    d(3, 100, date(2016, 12, 1), date(2017, 3, 1), deal_type="expansion"),  # expansion won
    d(4, 700, date(2017, 2, 5), date(2017, 6, 1), is_closed=False, is_won=False),  # SDR-created, open
]
QUOTAS = [
    QuotaRow(1, "2017-Q1", Decimal("20000")),
    QuotaRow(2, "2017", Decimal("36000")),  # 3,000 a month, ramped from February
    QuotaRow(3, "2017-01", Decimal("1000")), QuotaRow(3, "2017-02", Decimal("1000")), QuotaRow(3, "2017-03", Decimal("1000")),
]


def test_ramp_factor_counts_the_hire_month_as_the_first():
    hire = date(2017, 2, 10)
    assert [ramp_factor(hire, m) for m in ("2017-01", "2017-02", "2017-03", "2017-04", "2017-05")] == [0, 0.25, 0.5, 0.75, 1.0]
    assert ramp_factor(None, "2017-01") == 1.0


def test_ramped_quota_scales_each_month_and_falls_back_to_quarter_and_year():
    assert ramped_quota_cents(QUOTAS, ALICE, "2017-Q1", 1) == 2_000_000
    # Bob: 3,000/month x (0 + 0.25 + 0.5) = 2,250.00
    assert ramped_quota_cents(QUOTAS, BOB, "2017-Q1", 1) == 225_000
    # A ramp quota is already ramped.
    assert ramped_quota_cents([QuotaRow(2, "2017-Q1", Decimal("900"), "ramp")], BOB, "2017-Q1", 1) == 90_000
    assert ramped_quota_cents(QUOTAS, SAM, "2017-Q1", 1) is None


def test_seller_cards_for_a_quarter():
    cards = scorecards(cells_from_deals(DEALS), sellers=SELLERS, quotas=QUOTAS, period="2017-Q1", fy_start_month=1)
    alice = cards["seller"][0].figures
    assert alice == {
        "bookings": "10000.00", "won_count": 2, "lost_count": 1, "win_rate": 0.666667, "avg_deal": "5000.00",
        "cycle_days": 35.0, "quota": "20000.00", "attainment": 0.5, "pipeline": "9000.00",
        "coverage": 0.9,  # 9,000 / (20,000 - 10,000)
        # 1 open x 0.666667 x 5,000 / 35 days = 95.24 per day
        "velocity": "95.24",
        "pipeline_created": "20000.00", "pipeline_created_count": 4, "renewals": "0.00", "net_retention": None,
        "meetings": 0, "pipeline_per_meeting": None,
    }
    bob = cards["seller"][1].figures
    assert bob["attainment"] == round(3000 / 2250, 6) and bob["quota"] == "2250.00"
    cara = cards["seller"][2].figures
    assert cara["renewals"] == "800.00"
    assert cara["net_retention"] == 0.9  # (800 renewal + 100 expansion) / (800 + 200 renewals closed)
    sam = cards["seller"][3].figures
    assert sam["pipeline_created"] == "700.00" and sam["attainment"] is None and sam["win_rate"] is None


def test_team_and_region_cards_sum_members_and_recompute_rates():
    cards = scorecards(cells_from_deals(DEALS), sellers=SELLERS, quotas=QUOTAS, period="2017-Q1", fy_start_month=1)
    east = next(c for c in cards["team"] if c.key == "East").figures
    assert east["bookings"] == "13000.00" and east["quota"] == "22250.00"
    assert east["win_rate"] == 0.75  # 3 won, 1 lost
    assert east["attainment"] == round(13000 / 22250, 6)
    assert [c.key for c in cards["region"]] == ["AMER", "EMEA"]


def test_histogram_leaderboard_and_trend():
    cards = scorecards(cells_from_deals(DEALS), sellers=SELLERS, quotas=QUOTAS, period="2017-Q1", fy_start_month=1)
    hist = attainment_histogram(cards["seller"])
    # Alice 50 %, Bob 133 %, Cara 30 % (900 / 3,000), Sam has no quota
    assert sum(hist.values()) == 3
    assert hist["50–75%"] == 1 and hist["125–150%"] == 1 and hist["<50%"] == 1
    assert [c.label for c in leaderboard(cards["seller"])] == ["Bob", "Alice", "Cara", "Sam"]
    assert quarter_keys_back(date(2017, 2, 1), 3, 1) == ["2016-Q3", "2016-Q4", "2017-Q1"]
    rows = trend(cells_from_deals(DEALS), seller=ALICE, sellers=SELLERS, quotas=QUOTAS,
                 periods=["2016-Q4", "2017-Q1"], fy_start_month=1)
    assert [(r["period"], r["bookings"], r["attainment"]) for r in rows] == [("2016-Q4", "5000.00", None), ("2017-Q1", "10000.00", 0.5)]


def test_sdr_meetings_count_the_period_and_divide_the_pipeline_they_created():
    # Sam (SDR) created one deal of 700.00 in Feb 2017; meetings: 2 in Jan, 1 in Mar, 5 in Apr (next quarter).
    meetings = pd.DataFrame([(4, date(2017, 1, 1), 2), (4, date(2017, 3, 1), 1), (4, date(2017, 4, 1), 5),
                             (1, date(2017, 2, 1), 4)], columns=list(MEETING_COLUMNS))
    cards = scorecards(cells_from_deals(DEALS), sellers=SELLERS, quotas=QUOTAS, period="2017-Q1", fy_start_month=1,
                       meetings=meetings)
    sam = next(c for c in cards["seller"] if c.key == "4").figures
    assert sam["meetings"] == 3
    assert sam["pipeline_per_meeting"] == "233.33"  # 700.00 / 3 = 233.333… → 233.33
    east = next(c for c in cards["team"] if c.key == "East").figures
    assert east["meetings"] == 7  # Sam 3 + Alice 4 (Bob none)
    assert next(c for c in cards["seller"] if c.key == "3").figures["pipeline_per_meeting"] is None  # no meetings
    rows = trend(cells_from_deals(DEALS), seller=SAM, sellers=SELLERS, quotas=QUOTAS, periods=["2017-Q1", "2017-Q2"],
                 fy_start_month=1, meetings=meetings)
    assert [r["meetings"] for r in rows] == [3, 5]


# A manager (Mia) over Alice and Bob, her quota the sum of theirs as the quota grid sets it; a
# second-line manager (Vic) over Mia.
MIA = SellerInfo(5, "Mia", "mia@x.test", "manager", team="East", region="EMEA")
VIC = SellerInfo(6, "Vic", "vic@x.test", "manager", team="Leadership", region="EMEA")
TREE = [replace(ALICE, manager_id=5), replace(BOB, manager_id=5), CARA, SAM, replace(MIA, manager_id=6), VIC]
ROLLUP = [*QUOTAS, QuotaRow(5, "2017-Q1", Decimal("22250")), QuotaRow(6, "2017-Q1", Decimal("22250"))]


def test_teams_below_and_the_quotas_that_count_in_a_sum():
    below = teams_below(TREE)
    assert sorted(below[6]) == [1, 2, 5, 6] and below[6][0] == 6 and sorted(below[5]) == [1, 2, 5] and below[1] == [1]
    # Mia's roll-up is Alice's and Bob's, Vic's is Mia's: only the four individual contributors count.
    assert quota_carriers(below) == {1, 2, 3, 4}
    assert quota_carriers(teams_below([MIA, CARA])) == {5, 3}  # no one below Mia in this scope: hers counts
    cyclic = [SellerInfo(7, "A", manager_id=8), SellerInfo(8, "B", manager_id=7)]
    assert sorted(teams_below(cyclic)[7]) == [7, 8]


def test_a_managers_card_is_their_teams_and_no_quota_is_counted_twice():
    cards = scorecards(cells_from_deals(DEALS), sellers=TREE, quotas=ROLLUP, period="2017-Q1", fy_start_month=1)
    by_key = {c.key: c for c in cards["seller"]}
    mia = by_key["5"]
    assert sorted(mia.seller_ids) == [1, 2, 5] and mia.reports == 2
    # Alice's 10,000 + Bob's 3,000 in Q1 against Mia's own 22,250; 3 won, 1 lost.
    assert mia.figures["bookings"] == "13000.00" and mia.figures["quota"] == "22250.00"
    assert mia.figures["attainment"] == round(13000 / 22250, 6) and mia.figures["win_rate"] == 0.75
    assert by_key["6"].figures["bookings"] == "13000.00" and by_key["6"].reports == 3
    assert by_key["1"].reports == 0 and by_key["1"].figures["bookings"] == "10000.00"
    # Team East holds Alice, Bob, Sam and Mia: Mia's roll-up quota is left out (was 44,500).
    east = next(c for c in cards["team"] if c.key == "East").figures
    assert east["quota"] == "22250.00" and east["bookings"] == "13000.00"
    # Team Leadership holds Vic alone: his roll-up is his reports', counted in their team.
    assert next(c for c in cards["team"] if c.key == "Leadership").figures["quota"] is None
    # The distribution and the leaderboards rank people: Alice 50 %, Bob 133 %, Cara 30 %.
    assert sum(attainment_histogram(cards["seller"]).values()) == 3
    assert [c.label for c in leaderboard(cards["seller"], "bookings")] == ["Alice", "Bob", "Cara", "Sam"]


def test_trends_of_a_manager_and_of_the_whole_scope_count_each_quota_once():
    cells = cells_from_deals(DEALS)
    rows = trend(cells, seller=TREE[4], sellers=TREE, quotas=ROLLUP, periods=["2017-Q1"], fy_start_month=1)
    assert (rows[0]["bookings"], rows[0]["quota"]) == ("13000.00", "22250.00")
    rows = trend(cells, seller=None, sellers=TREE, quotas=ROLLUP, periods=["2017-Q1"], fy_start_month=1)
    # Alice 20,000 + Bob 2,250 + Cara 3,000 (Sam none); Mia's and Vic's roll-ups left out.
    assert rows[0]["quota"] == "25250.00" and rows[0]["bookings"] == "13900.00"
