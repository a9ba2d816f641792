from datetime import date

import pytest
from engine_testkit import D, amounts, assign, commission, deal, engine_input, plan

from compensation.engine import AdjustmentInput, ChurnEvent, EngineError, FxRate, calculate

Q1 = {("a", "bookings", "2027-Q1"): 100000}


def run(p, deals, quotas=Q1, assignments=None, **kw):
    return calculate(engine_input(p, assignments or [assign("a")], deals, quotas, **kw))


def test_marginal_credit_crossing_a_band_within_one_deal():
    r = run(plan(commission()), [deal("D-1", "a", 60000, date(2027, 1, 10)), deal("D-2", "a", 60000, date(2027, 2, 3))])
    l1, l2 = r.lines
    assert (l1.amount, l2.amount) == (D("6000.00"), D("7000.00"))
    assert (l1.period, l2.period) == ("2027-01", "2027-02")
    assert (l2.attainment_before, l2.attainment_after, l2.rate) == (D("0.6"), D("1.2"), D("0.15"))
    assert l1.explanation == ("Deal D-1 (new_logo) credited 60,000.00 of 100,000.00 bookings quota for 2027-Q1: "
                              "attainment 0% → 60%; 10% up to 100% → 6,000.00")
    assert "10% on 60%–100% (4,000.00) + 15% on 100%–120% (3,000.00) → 7,000.00" in l2.explanation
    assert l1.quota == D(100000) and l1.quota_period == "2027-Q1" and l1.credit_kind == "direct"


def test_retroactive_true_up_on_the_crossing_deal():
    p = plan(commission(method="retroactive"))
    r = run(p, [deal("D-1", "a", 90000, date(2027, 1, 10)), deal("D-2", "a", 30000, date(2027, 2, 3))])
    assert amounts(r) == [D("9000.00"), D("9000.00")]
    assert ("crosses into the 15% band: 15% on all 120% (18,000.00) minus 9,000.00 already paid → 9,000.00"
            in r.lines[1].explanation)


def test_attainment_exactly_one_is_in_the_band_ending_at_one():
    p = plan(commission(method="retroactive"))
    r = run(p, [deal("D-1", "a", 100000, date(2027, 1, 10)), deal("D-2", "a", "0.01", date(2027, 1, 11))])
    l1, l2 = r.lines
    assert l1.attainment_after == 1 and l1.rate == D("0.10") and l1.amount == D("10000.00")
    # 100,000.01 x 15% = 15,000.0015 minus 10,000 already paid
    assert l2.rate == D("0.15") and l2.amount == D("5000.00")
    m = run(plan(commission()), [deal("D-1", "a", 100000, date(2027, 1, 10))]).lines[0]
    assert m.rate == D("0.10") and m.amount == D("10000.00")


def test_cap_per_quota_period_and_reversal_below_cap():
    p = plan(commission(tiers=((None, "0.10"),), cap={"amount": "5000"}))
    r = run(p, [deal("D-1", "a", 40000, date(2027, 1, 5)), deal("D-2", "a", 20000, date(2027, 1, 6)),
                deal("D-3", "a", 10000, date(2027, 1, 7)), deal("D-4", "a", -30000, date(2027, 1, 8)),
                deal("D-5", "a", 40000, date(2027, 4, 8))],
            quotas=Q1 | {("a", "bookings", "2027-Q2"): 100000})
    assert amounts(r) == [D("4000.00"), D("1000.00"), D("0.00"), D("-1000.00"), D("4000.00")]
    assert "capped at 5,000.00 for 2027-Q1 → 1,000.00" in r.lines[1].explanation


def test_target_incentive_basis_with_weight_and_quarter_months():
    p = plan(commission("Bonus", basis="target_incentive", weight="0.5", tiers=(("1.0", "1.0"), (None, "2.0"))))
    r = run(p, [deal("D-1", "a", 100000, date(2027, 1, 5)), deal("D-2", "a", 150000, date(2027, 2, 5))],
            quotas={("a", "bookings", "2027-Q1"): 200000}, assignments=[assign("a", ti=120000)])
    # base = 120,000 x 0.5 x 3/12 = 15,000
    assert amounts(r) == [D("7500.00"), D("15000.00")]
    assert "base = target incentive 120,000.00 × weight 0.5 × 3/12 = 15,000.00" in r.lines[0].explanation


def test_credit_basis_weight_multiplies_payout():
    r = run(plan(commission(weight="0.5")), [deal("D-1", "a", 60000, date(2027, 1, 5))])
    assert amounts(r) == [D("3000.00")]


def test_quota_null_pays_flat_rate_times_weight():
    p = plan(commission("Flat", quota=False, tiers=((None, "0.05"),), weight="2"))
    (ln,) = run(p, [deal("D-1", "a", 10000, date(2027, 1, 5))], quotas={}).lines
    assert ln.amount == D("1000.00") and ln.quota is None and ln.attainment_after is None and ln.rate == D("0.05")


@pytest.mark.parametrize("pcts", [(60, 40), ("0.6", "0.4")])
def test_splits_percent_and_fraction_forms(pcts):
    p = plan(commission("Flat", quota=False, tiers=((None, "0.1"),)))
    d = deal("D-1", "a", 100000, date(2027, 1, 5), splits=(("a", pcts[0]), ("b", pcts[1])))
    r = run(p, [d], quotas={}, assignments=[assign("a"), assign("b")])
    assert [(ln.seller, ln.credit_kind, ln.credit, ln.amount) for ln in r.lines] == [
        ("a", "split", D(60000), D("6000.00")), ("b", "split", D(40000), D("4000.00"))]


def test_recursive_rollup_to_managers_manager():
    rep = plan(commission(quota=False, tiers=((None, "0.1"),)))
    mgr = plan(commission("Team", quota=True, period="quarter", tiers=((None, "0.02"),), rollup=True))
    plans = {"rep": rep, "mgr": mgr}
    asg = [assign("a", "rep"), assign("m1", "mgr"), assign("m2", "mgr"), assign("m3", "mgr", end=date(2027, 1, 1))]
    managers = {"a": "m1", "m1": "m2", "m2": "m3", "m3": None}
    quotas = {("m1", "bookings", "2027-Q1"): 200000, ("m2", "bookings", "2027-Q1"): 500000}
    r = calculate(engine_input(plans, asg, [deal("D-1", "a", 50000, date(2027, 1, 5)),
                                            deal("D-2", "m1", 10000, date(2027, 1, 6))],
                               quotas, managers=managers))
    got = [(ln.seller, ln.deal, ln.credit_kind, ln.amount, ln.attainment_after) for ln in r.lines]
    assert got == [
        ("a", "D-1", "direct", D("5000.00"), None),
        ("m1", "D-1", "rollup", D("1000.00"), D("0.25")),
        ("m1", "D-2", "direct", D("200.00"), D("0.3")),
        ("m2", "D-1", "rollup", D("1000.00"), D("0.1")),
        ("m2", "D-2", "rollup", D("200.00"), D("0.12")),
    ]  # m3's assignment ended before the close date: no line
    assert "rollup from a" in r.lines[1].explanation


def test_rollup_hierarchy_cycle_terminates():
    mgr = plan(commission("Team", quota=False, tiers=((None, "0.01"),), rollup=True))
    r = calculate(engine_input(mgr, [assign("a"), assign("b")], [deal("D-1", "a", 1000, date(2027, 1, 5))],
                               managers={"a": "b", "b": "a"}))
    assert [(ln.seller, ln.credit_kind) for ln in r.lines] == [("a", "direct"), ("b", "rollup")]


def test_fx_rate_in_force_on_close_date():
    fx = [FxRate("EUR", D("1.10"), date(2027, 1, 1)), FxRate("EUR", D("1.20"), date(2027, 2, 1))]
    p = plan(commission(quota=False, tiers=((None, "0.1"),)))
    r = run(p, [deal("D-1", "a", 10000, date(2027, 1, 31), currency="EUR"),
                deal("D-2", "a", 10000, date(2027, 2, 1), currency="EUR")], quotas={}, fx_rates=fx)
    assert [(ln.credit, ln.amount) for ln in r.lines] == [(D("11000.00"), D("1100.00")), (D("12000.00"), D("1200.00"))]
    # a EUR plan converts a USD (base) deal by 1 / rate_to_base(EUR)
    p_eur = plan(commission(quota=False, tiers=((None, "0.1"),)), currency="EUR")
    (ln,) = run(p_eur, [deal("D-3", "a", 1100, date(2027, 1, 5))], quotas={}, fx_rates=fx).lines
    assert ln.credit == 1000 and ln.amount == D("100.00")


def test_missing_fx_rate_is_a_clear_error():
    p = plan(commission(quota=False, tiers=((None, "0.1"),)))
    with pytest.raises(EngineError, match=r"no FX rate for GBP effective on or before 2027-01-05"):
        run(p, [deal("D-1", "a", 10, date(2027, 1, 5), currency="GBP")], quotas={})


def test_measure_filter_by_deal_type():
    p = plan(commission(measure={"deal_types": ["new_logo"]}))
    r = run(p, [deal("D-1", "a", 10000, date(2027, 1, 5), "renewal"), deal("D-2", "a", 10000, date(2027, 1, 6))])
    assert [ln.deal for ln in r.lines] == ["D-2"]
    assert r.lines[0].attainment_after == D("0.1")


def test_negative_credit_memo_reverses_exactly():
    r = run(plan(commission()), [deal("D-1", "a", 60000, date(2027, 1, 5)), deal("D-2", "a", 60000, date(2027, 1, 6)),
                                 deal("D-3", "a", -60000, date(2027, 1, 7), "expansion")])
    assert amounts(r) == [D("6000.00"), D("7000.00"), D("-7000.00")]
    assert r.lines[2].attainment_after == D("0.6")


def test_spif_min_amount_and_date_window_split_between_two_sellers():
    spif = {"name": "Q1 SPIF", "type": "spif", "amount": "1000",
            "when": {"deal_types": ["new_logo"], "min_amount": "50000", "closed_from": "2027-01-01",
                     "closed_to": "2027-03-31"}}
    p = plan(spif)
    deals = [deal("D-1", "a", 80000, date(2027, 3, 31), splits=(("a", 50), ("b", 50))),
             deal("D-2", "a", 49999, date(2027, 2, 1)),
             deal("D-3", "a", 90000, date(2027, 4, 1)),
             deal("D-4", "a", 90000, date(2027, 2, 1), "renewal")]
    r = run(p, deals, quotas={}, assignments=[assign("a"), assign("b")])
    assert [(ln.seller, ln.kind, ln.deal, ln.credit_kind, ln.amount, ln.period) for ln in r.lines] == [
        ("a", "spif", "D-1", "split", D("500.00"), "2027-03"), ("b", "spif", "D-1", "split", D("500.00"), "2027-03")]


def test_spif_min_amount_uses_full_deal_amount_in_plan_currency():
    spif = {"name": "S", "type": "spif", "amount": "100", "when": {"min_amount": "50000"}}
    fx = [FxRate("EUR", D("1.10"), date(2027, 1, 1))]
    d = deal("D-1", "a", 46000, date(2027, 1, 5), currency="EUR", splits=(("a", 50), ("b", 50)))  # 50,600 USD
    r = run(plan(spif), [d], quotas={}, assignments=[assign("a"), assign("b")], fx_rates=fx)
    assert amounts(r) == [D("50.00"), D("50.00")]


CLAW = {"window_days": 90, "method": "full"}


def test_clawback_full_within_window_does_not_change_attainment():
    p = plan(commission(), clawback=CLAW)
    deals = [deal("D-1", "a", 60000, date(2027, 1, 10))]
    r = run(p, deals, events=[ChurnEvent("D-1", date(2027, 3, 1))], period_from="2027-03", period_through="2027-03")
    (ln,) = r.lines  # the original line (January) is outside the range but still clawed back
    assert (ln.kind, ln.period, ln.component, ln.deal, ln.amount) == ("clawback", "2027-03", "New business", "D-1",
                                                                  D("-6000.00"))
    assert r.attainment[("a", "2027-03")] == {"New business": D("0.6")}
    late = run(p, deals, events=[ChurnEvent("D-1", date(2027, 4, 10))])  # 90 days: still inside
    assert amounts(late, kind="clawback") == [D("-6000.00")]
    too_late = run(p, deals, events=[ChurnEvent("D-1", date(2027, 4, 11))])
    assert amounts(too_late, kind="clawback") == []


def test_clawback_prorated_includes_rollup_lines_and_claws_once():
    rep = plan(commission(quota=False, tiers=((None, "0.1"),)), clawback={"window_days": 100, "method": "prorated"})
    mgr = plan(commission("Team", quota=False, tiers=((None, "0.01"),), rollup=True),
               clawback={"window_days": 100, "method": "prorated"})
    r = calculate(engine_input({"rep": rep, "mgr": mgr}, [assign("a", "rep"), assign("m", "mgr")],
                               [deal("D-1", "a", 60000, date(2027, 1, 1))], managers={"a": "m", "m": None},
                               events=[ChurnEvent("D-1", date(2027, 1, 26)), ChurnEvent("D-1", date(2027, 2, 5))]))
    claws = [(ln.seller, ln.amount) for ln in r.lines if ln.kind == "clawback"]
    assert claws == [("a", D("-4500.00")), ("m", D("-450.00"))]  # 6,000 x (1 - 25/100); 600 x 0.75


def draw_plan(recoverable):
    return plan(commission(quota=False, tiers=((None, "0.1"),)), draw={"amount": "3000", "recoverable": recoverable})


DRAW_DEALS = [deal("D-1", "a", 10000, date(2027, 1, 5)), deal("D-2", "a", 40000, date(2027, 2, 5)),
              deal("D-3", "a", 60000, date(2027, 3, 5))]


def test_recoverable_draw_over_three_months():
    r = run(draw_plan(True), DRAW_DEALS, quotas={}, period_through="2027-03")
    draws = [(ln.period, ln.kind, ln.amount) for ln in r.lines if ln.kind.startswith("draw")]
    assert draws == [("2027-01", "draw", D("2000.00")), ("2027-02", "draw_recovery", D("-1000.00")),
                     ("2027-03", "draw_recovery", D("-1000.00"))]
    assert "balance owed 2,000.00 → 1,000.00" in r.lines[3].explanation


def test_non_recoverable_draw_is_never_recovered():
    r = run(draw_plan(False), DRAW_DEALS, quotas={}, period_through="2027-03")
    assert [(ln.period, ln.kind, ln.amount) for ln in r.lines if ln.kind.startswith("draw")] == [
        ("2027-01", "draw", D("2000.00"))]


def test_draw_paid_in_months_without_deals_and_range_independent():
    r = run(draw_plan(True), [], quotas={}, period_from="2027-02", period_through="2027-03")
    assert [(ln.period, ln.amount) for ln in r.lines] == [("2027-02", D("3000.00")), ("2027-03", D("3000.00"))]


def test_adjustment_line():
    adj = AdjustmentInput("a", "2027-02", D("123.455"), "SPIF paid late", ref=42)
    (ln,) = run(plan(commission()), [], adjustments=[adj]).lines
    assert (ln.kind, ln.component, ln.period, ln.amount, ln.explanation, ln.adjustment_ref) == (
        "adjustment", "Adjustment", "2027-02", D("123.46"), "SPIF paid late", 42)


def test_missing_quota_line_earns_nothing():
    (ln,) = run(plan(commission()), [deal("D-1", "a", 1000, date(2027, 1, 5))], quotas={}).lines
    assert ln.amount == 0 and ln.attainment_after is None and ln.quota is None and ln.quota_period == "2027-Q1"
    assert ln.explanation == "no bookings quota for 2027-Q1: nothing earned on this component"


def test_year_quota_derived_from_quarters_or_months():
    p = plan(commission(period="year", tiers=((None, "0.1"),)))
    d = [deal("D-1", "a", 50000, date(2027, 5, 5))]
    quarters = {("a", "bookings", f"2027-Q{i}"): 25000 for i in range(1, 5)}
    (ln,) = run(p, d, quotas=quarters).lines
    assert ln.quota == D(100000) and ln.attainment_after == D("0.5") and ln.amount == D("5000.00")
    months = {("a", "bookings", f"2027-{m:02d}"): 10000 for m in range(1, 13)}
    assert run(p, d, quotas=months).lines[0].quota == D(120000)
    incomplete = dict(list(quarters.items())[:3])
    assert run(p, d, quotas=incomplete).lines[0].quota is None


def test_half_up_rounding_of_exact_half_cent():
    p = plan(commission(quota=False, tiers=((None, "0.1"),)))
    r = run(p, [deal("D-1", "a", "100.05", date(2027, 1, 5)), deal("D-2", "a", "-100.05", date(2027, 1, 6)),
                deal("D-3", "a", "100.25", date(2027, 1, 7))], quotas={})
    assert amounts(r) == [D("10.01"), D("-10.01"), D("10.03")]  # 10.005, -10.005, 10.025


def test_fiscal_year_starting_in_february():
    p = plan(commission())
    quotas = {("a", "bookings", "2027-Q1"): 100000}  # Feb-Apr 2027
    r = run(p, [deal("D-1", "a", 10000, date(2027, 1, 31)), deal("D-2", "a", 10000, date(2027, 4, 30)),
                deal("D-3", "a", 10000, date(2027, 5, 1))], quotas=quotas, fy=2)
    assert [(ln.quota_period, ln.amount) for ln in r.lines] == [("2026-Q4", 0), ("2027-Q1", D("1000.00")),
                                                             ("2027-Q2", 0)]


def test_no_assignment_on_close_date_earns_nothing():
    r = run(plan(commission()), [deal("D-1", "a", 10000, date(2027, 3, 5))],
            assignments=[assign("a", start=date(2027, 1, 1), end=date(2027, 3, 4))])
    assert r.lines == ()


def test_line_order_and_range_filter():
    p = plan(commission(), {"name": "S", "type": "spif", "amount": "10"}, draw={"amount": "50000"},
             clawback=CLAW)
    deals = [deal("D-2", "b", 1000, date(2027, 1, 5)), deal("D-1", "a", 1000, date(2027, 1, 5)),
             deal("D-0", "a", 1000, date(2027, 1, 9))]
    r = run(p, deals, quotas={}, assignments=[assign("a"), assign("b")],
            adjustments=[AdjustmentInput("a", "2027-01", D(1), "x")], events=[ChurnEvent("D-0", date(2027, 1, 20))],
            period_through="2027-01")
    assert [(ln.seller, ln.kind, ln.deal) for ln in r.lines] == [
        ("a", "commission", "D-1"), ("a", "commission", "D-0"), ("a", "spif", "D-1"), ("a", "spif", "D-0"),
        ("a", "adjustment", None), ("a", "draw", None),  # no clawback: nothing was earned (no quota)
        ("b", "commission", "D-2"), ("b", "spif", "D-2"), ("b", "draw", None)]


def test_attainment_map_per_month():
    r = run(plan(commission()), [deal("D-1", "a", 60000, date(2027, 1, 10)), deal("D-2", "a", 10000, date(2027, 3, 31))],
            period_through="2027-04")
    assert r.attainment == {("a", "2027-01"): {"New business": D("0.6")},
                            ("a", "2027-02"): {"New business": D("0.6")},
                            ("a", "2027-03"): {"New business": D("0.7")}}  # no Q2 quota: April omitted


def test_unknown_plan_and_bad_range_are_engine_errors():
    with pytest.raises(EngineError, match="unknown plan 'nope'"):
        run(plan(commission()), [], assignments=[assign("a", "nope")])
    with pytest.raises(EngineError, match="period_from"):
        run(plan(commission()), [], period_from="2027-1")
