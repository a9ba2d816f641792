"""The forecasting engine on hand-computed data (no database)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from performance.forecasting import engine

T = pd.Timestamp


def _history(rows):
    frame = pd.DataFrame(rows, columns=["opp", "as_of", "stage", "amount", "close_date", "is_closed", "is_won"])
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    frame["close_date"] = pd.to_datetime(frame["close_date"])
    frame["owner"] = 1
    return frame


def _deals(history, created):
    last = history.sort_values(["opp", "as_of"]).drop_duplicates("opp", keep="last")
    deals = last[["opp", "amount", "close_date", "is_won"]].copy()
    deals["created_date"] = deals["opp"].map(lambda o: T(created[o]) if created.get(o) else pd.NaT)
    deals["deal_type"] = "new_logo"
    return deals.reset_index(drop=True)


# Quarter 2017Q2 = 2017-04-01..2017-06-30. Deals 1 and 2 closed before it (1 won, 2 lost); 3 and 4
# are open on April 1 and close inside it (3 won at 1,200, 4 lost); 5 is open but dated August;
# 6 is created after April 1 and won (actual, but unknowable on April 1).
HISTORY = _history([
    (1, "2017-01-01", "Prospect", 100.0, "2017-02-01", False, False),
    (1, "2017-02-01", "Won", 100.0, "2017-02-01", True, True),
    (2, "2017-01-01", "Prospect", 100.0, "2017-02-15", False, False),
    (2, "2017-02-15", "Lost", 100.0, "2017-02-15", True, False),
    (3, "2017-03-01", "Prospect", 1000.0, "2017-05-01", False, False),
    (3, "2017-05-01", "Won", 1200.0, "2017-05-01", True, True),
    (4, "2017-03-15", "Engage", 2000.0, "2017-06-01", False, False),
    (4, "2017-06-01", "Lost", 2000.0, "2017-06-01", True, False),
    (5, "2017-03-20", "Engage", 500.0, "2017-08-01", False, False),
    (6, "2017-04-10", "Won", 300.0, "2017-05-10", True, True),
])
DEALS = _deals(HISTORY, {1: "2017-01-01", 2: "2017-01-01", 3: "2017-03-01", 4: "2017-03-15", 5: "2017-03-20",
                         6: "2017-04-10"})
PROBABILITIES = {"Prospect": 0.1, "Engage": 0.5, "Won": 1.0, "Lost": 0.0}
Q2 = ("2017Q2", date(2017, 4, 1), date(2017, 6, 30))


def test_state_as_of_takes_each_deals_latest_row_on_or_before_the_day():
    state = engine.state_as_of(HISTORY, date(2017, 4, 1)).set_index("opp")
    assert sorted(state.index) == [1, 2, 3, 4, 5]
    assert state.loc[3, "stage"] == "Prospect" and state.loc[3, "amount"] == 1000.0
    assert state.loc[1, "is_won"]


def test_fiscal_quarter_keys_have_no_hyphen_and_follow_the_fiscal_start():
    assert engine.fiscal_quarter(date(2017, 5, 9), 1) == ("2017Q2", date(2017, 4, 1), date(2017, 6, 30))
    assert engine.fiscal_quarter(date(2017, 1, 9), 2) == ("2016Q4", date(2016, 11, 1), date(2017, 1, 31))
    assert [q[0] for q in engine.past_quarters(date(2017, 1, 1), date(2017, 10, 1), 1)] == ["2017Q1", "2017Q2", "2017Q3"]
    # A quarter that started before the first recorded history cannot be backtested.
    assert [q[0] for q in engine.past_quarters(date(2017, 1, 2), date(2017, 10, 1), 1)] == ["2017Q2", "2017Q3"]
    # ... nor one that starts after the last recorded history.
    assert [q[0] for q in engine.past_quarters(date(2017, 1, 1), date(2018, 10, 1), 1, date(2017, 5, 1))] == [
        "2017Q1", "2017Q2"]


def test_backtest_scores_every_method_against_hand_computed_figures():
    results, summary = engine.backtest(history=HISTORY, deals=DEALS, probabilities=PROBABILITIES, quarters=[Q2],
                                       human_calls={"2017Q2": 1800.0})
    q = results[0]
    assert q.key == "2017Q2"
    assert q.actual == 1500.0  # 1,200 (deal 3 at its final amount) + 300 (deal 6)
    assert q.open_deals == 2 and q.open_amount == 3000.0  # deals 3 and 4; deal 5 closes in August
    weighted = q.methods["weighted"]  # 1,000 × 0.1 + 2,000 × 0.5
    assert weighted["forecast"] == pytest.approx(1100.0)
    assert weighted["error"] == pytest.approx(-400.0)
    assert weighted["accuracy"] == pytest.approx(1 - 400 / 1500)
    assert weighted["bias"] == pytest.approx(-400 / 1500)
    # Only deals 1 and 2 had closed by April 1: fewer than MIN_CELL per cell and per stage, so both
    # open deals take the overall rate 1 won / 2 closed = 0.5 → 3,000 × 0.5.
    assert q.methods["stage_conversion"]["forecast"] == pytest.approx(1500.0)
    assert q.methods["stage_conversion"]["accuracy"] == pytest.approx(1.0)
    assert q.methods["model"]["forecast"] is None  # two closed deals: no model
    assert q.model["trained"] is False and "Not enough closed history" in q.model["note"]
    commit = q.methods["commit"]
    assert commit["error"] == pytest.approx(300.0) and commit["bias"] == pytest.approx(0.2)
    assert summary["weighted"] == pytest.approx({"quarters": 1, "mape": 400 / 1500, "bias": -400 / 1500,
                                                 "accuracy": 1 - 400 / 1500})
    assert summary["model"] == {"quarters": 0, "mape": None, "bias": None, "accuracy": None}
    assert engine.best_method(summary) == "stage_conversion"


def test_conversion_learns_nothing_from_deals_closed_after_the_forecast_date():
    # On March 1 no deal had closed yet except 1 (Feb 1) and 2 (Feb 15); deal 3's win in May is unknown.
    outcomes = engine.closed_outcomes(HISTORY, date(2017, 3, 1))
    assert outcomes.to_dict() == {1: True, 2: False}
    assert engine.closed_outcomes(HISTORY, date(2017, 1, 31)).empty


def test_conversion_table_prefers_the_stage_and_age_cell_then_the_stage_then_the_overall_rate():
    rows = []
    # 5 deals seen in "Demo" at age 0-30 (4 won); 5 more seen in "Demo" at 181+ (1 won); 1 in "Rare".
    for i in range(10):
        rows.append((i, "2016-01-10", "Demo", 10.0, "2016-03-01", False, False))
        rows.append((i, "2016-03-01", "X", 10.0, "2016-03-01", True, i in (0, 1, 2, 3, 5)))
    rows.append((99, "2016-01-10", "Rare", 10.0, "2016-03-01", False, False))
    rows.append((99, "2016-03-01", "X", 10.0, "2016-03-01", True, True))
    history = _history(rows)
    created = {i: ("2016-01-01" if i < 5 else "2015-01-01") for i in range(10)} | {99: None}
    deals = _deals(history, created)
    snaps = engine.open_snapshots(history, deals, date(2016, 6, 1), engine.closed_outcomes(history, date(2016, 6, 1)))
    table = engine.conversion_table_fit(snaps)
    assert table.cells[("Demo", "0-30")] == (4, 5)
    assert table.cells[("Demo", "181+")] == (1, 5)
    assert table.stages["Demo"] == (5, 10)
    assert table.overall == (6, 11)
    assert table.probability("Demo", "0-30") == pytest.approx(0.8)
    assert table.probability("Demo", "31-90") == pytest.approx(0.5)  # empty cell → the stage
    assert table.probability("Rare", "unknown") == pytest.approx(6 / 11)  # 1 deal → overall
    assert list(engine.age_buckets([0, 30, 31, 90, 91, 180, 181, np.nan])) == [
        "0-30", "0-30", "31-90", "31-90", "91-180", "91-180", "181+", "unknown"]


def test_rollup_keeps_the_team_figure_visible_under_a_managers_override():
    parent = {1: None, 2: 1, 3: 2, 4: 2, 5: 1}
    tree = engine.rollup_calls(parent, {3: 100.0, 4: 50.0, 5: 70.0}, {2: 120.0})
    assert tree[2] == {"own": 0.0, "rollup": 150.0, "override": 120.0, "call": 120.0}
    assert tree[1]["rollup"] == 190.0 and tree[1]["call"] == 190.0
    assert engine.company_call(parent, {3: 100.0, 4: 50.0, 5: 70.0}, {2: 120.0}) == 190.0
    assert engine.company_call(parent, {}, {}) is None


def test_weighted_rollup_adds_each_sellers_pipeline_to_every_manager_above():
    parent = {1: None, 2: 1, 3: 2, 4: 2, 5: 1}
    codes = np.array([0, 1, 1, 0])
    weighted = engine.weighted_amounts(codes, np.array([100.0, 200.0, 400.0, 1000.0]), np.array([0.1, 0.5]))
    out = engine.weighted_rollup(np.array([3, 3, 4, 5]), np.array(["2027-01"] * 4), weighted, parent)
    by = out.set_index("seller")
    assert by.loc[3, "own"] == pytest.approx(110.0) and by.loc[3, "total"] == pytest.approx(110.0)
    assert by.loc[2, "own"] == 0 and by.loc[2, "total"] == pytest.approx(310.0)
    assert by.loc[1, "total"] == pytest.approx(410.0)


def test_auc_interval_matches_hanley_mcneil():
    low, high = engine.auc_interval(0.5, 10, 10)
    # var = (0.25 + 9·(1/3 − 0.25) · 2) / 100 = 0.0175 → se 0.13229
    assert low == pytest.approx(0.5 - 1.96 * 0.0175 ** 0.5)
    assert high == pytest.approx(0.5 + 1.96 * 0.0175 ** 0.5)


def _snapshots(n, informative, seed=1):
    rng = np.random.default_rng(seed)
    stage = rng.choice(["A", "B"], size=n)
    won = (stage == "B") if informative else rng.random(n) < 0.4
    if informative:  # a little noise so that calibration has something to do
        flip = rng.random(n) < 0.1
        won = np.where(flip, ~won, won)
    return pd.DataFrame({
        "opp": np.arange(n), "as_of": T("2017-01-01"), "stage": stage, "amount": rng.uniform(100, 1000, n),
        "close_date": T("2017-03-01"), "created_date": T("2016-12-01"), "deal_type": "new_logo", "won": won,
    })


def test_the_model_says_so_when_the_data_carry_no_signal():
    model = engine.win_model_fit(_snapshots(200, informative=False))
    assert model.estimator is not None
    assert model.signal is False
    assert model.auc_low <= 0.5 <= model.auc_high
    assert model.verdict.startswith("No signal")


def test_the_model_finds_a_real_signal_and_reports_auc_and_brier():
    model = engine.win_model_fit(_snapshots(300, informative=True))
    assert model.signal is True
    assert model.auc > 0.8 and model.auc_low > 0.5
    assert model.brier < model.brier_baseline
    p = model.predict(engine.model_features(_snapshots(10, informative=True, seed=3)))
    assert ((p >= 0) & (p <= 1)).all()


def test_a_tiny_history_is_reported_as_too_small_not_as_skill():
    model = engine.win_model_fit(_snapshots(20, informative=True))
    assert model.signal is False
    assert model.verdict.startswith("Too little closed history")


def test_weighted_pipeline_places_dated_deals_by_close_month_and_skips_undated_ones():
    stages = pd.Categorical(["Demo", "Proposal", "Demo"], categories=["Demo", "Proposal"])
    close = np.array(["2027-01-15", "2027-02-03", "NaT"], dtype="datetime64[D]")
    out = engine.weighted_pipeline(np.array([3, 3, 3]), stages, np.array([100.0, 200.0, 400.0]), close,
                                   {"Demo": 0.1, "Proposal": 0.5}, {3: 2, 2: None})
    rows = {(r.seller, str(r.month)[:7]): (r.own, r.total) for r in out.itertuples()}
    assert rows == {(3, "2027-01"): (10.0, 10.0), (3, "2027-02"): (100.0, 100.0),
                    (2, "2027-01"): (0.0, 10.0), (2, "2027-02"): (0.0, 100.0)}
