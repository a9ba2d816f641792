"""Hand-computed half-cent cases, one per formula of the calculation contract (DESIGN.md rules 4-10).

Each exact value below ends in a half cent; rule 10 rounds it half up (away from zero) ONCE, at the end
of the line.  Several of them are exactly the cases where a quotient computed before the product
(4,944.25 / 41,100, 1 / 12, 1 / 0.75) lands a hair below the half cent at any Decimal precision and
rounds the wrong way.  Every test runs both engines (the reference and the set-based one).
"""
from datetime import date, timedelta

import pytest
from engine_testkit import D, assign, commission, deal, engine_input, plan

from compensation.engine import ChurnEvent, FxRate, calculate
from compensation.engine.frames import calculate_frames
from compensation.engine.payout import round_cents

ENGINES = [pytest.param(calculate, id="reference"), pytest.param(calculate_frames, id="frames")]
JAN = date(2027, 1, 10)


def lines_of(engine, p, deals, quotas, assignments=None, **kw):
    return engine(engine_input(p, assignments or [assign("a")], deals, quotas, **kw)).lines


def test_round_cents_is_half_up_on_the_exact_value():
    from fractions import Fraction
    assert round_cents(Fraction(98885, 1000)) == D("98.89")
    assert round_cents(Fraction(-98885, 1000)) == D("-98.89")  # away from zero
    assert round_cents(Fraction(98884999, 1000000)) == D("98.88")
    assert round_cents(Fraction(1, 300)) == D("0.00") and str(round_cents(Fraction(-1, 300))) == "0.00"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_issues_retroactive_line_41100_times_4944_25_over_41100_times_2pct(engine):
    # F(a) = quota × a × rate = 41,100 × (4,944.25 / 41,100) × 0.02 = 98.885 exactly → 98.89
    p = plan(commission(method="retroactive", period="year", tiers=(("1.0", "0.02"), (None, "0.04"))))
    (line,) = lines_of(engine, p, [deal("D-1", "a", "4944.25", JAN)], {("a", "bookings", "2027"): 41100})
    assert line.amount == D("98.89")


@pytest.mark.parametrize("engine", ENGINES)
def test_retroactive_true_up_across_a_band_on_a_non_terminating_attainment(engine):
    # quota 30,003; D-1 29,000 → 29,000 × 1 % = 290.00; D-2 1,003.10 → cum 30,003.10 > quota: all of it
    # at 2 %: 600.062 − 290.00 = 310.062 → 310.06; D-3 0.25 → cum 30,003.35 × 2 % = 600.067 → 0.005 → 0.01
    p = plan(commission(method="retroactive", tiers=(("1.0", "0.01"), (None, "0.02"))))
    ds = [deal("D-1", "a", 29000, JAN), deal("D-2", "a", "1003.10", JAN + timedelta(1)),
          deal("D-3", "a", "0.25", JAN + timedelta(2))]
    got = [ln.amount for ln in lines_of(engine, p, ds, {("a", "bookings", "2027-Q1"): 30003})]
    assert got == [D("290.00"), D("310.06"), D("0.01")]


@pytest.mark.parametrize("engine", ENGINES)
def test_marginal_line_on_a_non_terminating_attainment(engine):
    # marginal, credit basis: F(a) = 41,100 × a × 2 % below 100 % → 4,944.25 × 2 % = 98.885 → 98.89
    p = plan(commission(period="year", tiers=(("1.0", "0.02"), (None, "0.04"))))
    (line,) = lines_of(engine, p, [deal("D-1", "a", "4944.25", JAN)], {("a", "bookings", "2027"): 41100})
    assert line.amount == D("98.89")


@pytest.mark.parametrize("engine", ENGINES)
def test_marginal_line_crossing_a_band_ends_on_a_half_cent(engine):
    # quota 30,003: D-2 moves 29,000 → 30,003.10: 1,003 × 10 % = 100.30 + 0.10 × 15 % = 0.015 → 100.315 → 100.32
    p = plan(commission(tiers=(("1.0", "0.10"), (None, "0.15"))))
    ds = [deal("D-1", "a", 29000, JAN), deal("D-2", "a", "1003.10", JAN + timedelta(1))]
    got = [ln.amount for ln in lines_of(engine, p, ds, {("a", "bookings", "2027-Q1"): 30003})]
    assert got == [D("2900.00"), D("100.32")]


@pytest.mark.parametrize("engine", ENGINES)
def test_target_incentive_basis_with_weight_and_one_twelfth(engine):
    # base = 50,000 × 0.5 × 1/12 = 2,083.33…; a = 576.72 / 12,000 = 0.04806; rate 100 %
    # F = 2,083.33… × 0.04806 = 100.125 exactly → 100.13
    p = plan(commission("Bonus", basis="target_incentive", weight="0.5", period="month",
                        tiers=(("1.0", "1.0"), (None, "2.0"))))
    (line,) = lines_of(engine, p, [deal("D-1", "a", "576.72", JAN)], {("a", "bookings", "2027-01"): 12000},
                       assignments=[assign("a", ti=50000)])
    assert line.amount == D("100.13")


@pytest.mark.parametrize("engine", ENGINES)
def test_target_incentive_basis_quarter_three_twelfths(engine):
    # base = 70,000 × 0.3 × 3/12 = 5,250; a = 1,000.10 / 30,000; F = 5,250 × a × 1.0 = 175.0175 → 175.02
    p = plan(commission("Bonus", basis="target_incentive", weight="0.3", tiers=(("1.0", "1.0"), (None, "2.0"))))
    (line,) = lines_of(engine, p, [deal("D-1", "a", "1000.10", JAN)], {("a", "bookings", "2027-Q1"): 30000},
                       assignments=[assign("a", ti=70000)])
    assert line.amount == D("175.02")


@pytest.mark.parametrize("engine", ENGINES)
def test_cap_leaves_a_half_cent_line(engine):
    # 10 % flat band, cap 1,000: D-1 9,999.95 → F = 999.995 → 1,000.00; D-2 5,000 → F capped at 1,000:
    # 1,000 − 999.995 = 0.005 → 0.01; D-3 −5,500 → F = 949.995: 949.995 − 1,000 = −50.005 → −50.01
    p = plan(commission(tiers=((None, "0.10"),), cap={"amount": "1000"}))
    ds = [deal("D-1", "a", "9999.95", JAN), deal("D-2", "a", 5000, JAN + timedelta(1)),
          deal("D-3", "a", -5500, JAN + timedelta(2))]
    got = [ln.amount for ln in lines_of(engine, p, ds, {("a", "bookings", "2027-Q1"): 100000})]
    assert got == [D("1000.00"), D("0.01"), D("-50.01")]


@pytest.mark.parametrize("engine", ENGINES)
def test_spif_split_half_cent(engine):
    # SPIF 10.01 split 50/50 → 5.005 each → 5.01 each
    spif = {"name": "S", "type": "spif", "amount": "10.01", "when": {}}
    d = deal("D-1", "a", 1000, JAN, splits=(("a", 50), ("b", 50)))
    got = lines_of(engine, plan(spif), [d], {}, assignments=[assign("a"), assign("b")])
    assert [(ln.seller, ln.amount) for ln in got] == [("a", D("5.01")), ("b", D("5.01"))]


@pytest.mark.parametrize("engine", ENGINES)
def test_split_credit_of_a_flat_component(engine):
    # 33.33 % of 1,000.50 = 333.46665 × 3 % = 10.0039995 → 10.00; 66.67 % = 667.03335 × 3 % = 20.0110005 → 20.01
    p = plan(commission("Flat", quota=False, tiers=((None, "0.03"),)))
    d = deal("D-1", "a", "1000.50", JAN, splits=(("a", "33.33"), ("b", "66.67")))
    got = lines_of(engine, p, [d], {}, assignments=[assign("a"), assign("b")])
    assert [(ln.seller, ln.amount) for ln in got] == [("a", D("10.00")), ("b", D("20.01"))]


@pytest.mark.parametrize("engine", ENGINES)
def test_full_and_prorated_clawback(engine):
    # flat 10 %: 1,200.40 → earned 120.04. Full clawback → −120.04.
    # Prorated, window 16 days, churn after 2 days: −120.04 × (1 − 2/16) = −105.035 → −105.04
    flat = commission("Flat", quota=False, tiers=((None, "0.10"),))
    d = deal("D-1", "a", "1200.40", JAN)
    full = lines_of(engine, plan(flat, clawback={"window_days": 90, "method": "full"}), [d], {},
                    events=[ChurnEvent("D-1", JAN + timedelta(30))])
    assert [ln.amount for ln in full] == [D("120.04"), D("-120.04")]
    pro = lines_of(engine, plan(flat, clawback={"window_days": 16, "method": "prorated"}), [d], {},
                   events=[ChurnEvent("D-1", JAN + timedelta(2))])
    assert [ln.amount for ln in pro] == [D("120.04"), D("-105.04")]
    # thirds: earned 100.00 × (1 − 30/90) = 66.666… → −66.67
    d2 = deal("D-2", "a", 1000, JAN)
    third = lines_of(engine, plan(flat, clawback={"window_days": 90, "method": "prorated"}), [d2], {},
                     events=[ChurnEvent("D-2", JAN + timedelta(30))])
    assert [ln.amount for ln in third] == [D("100.00"), D("-66.67")]


@pytest.mark.parametrize("engine", ENGINES)
def test_draw_of_a_half_cent_amount(engine):
    # draw 1,000.005, earnings E = 400.00 → draw line 600.005 → 600.01; February earns 0 → 1,000.005 → 1,000.01
    flat = commission("Flat", quota=False, tiers=((None, "0.10"),))
    p = plan(flat, draw={"amount": "1000.005", "recoverable": True})
    got = lines_of(engine, p, [deal("D-1", "a", 4000, JAN)], {}, period_through="2027-02")
    assert [(ln.period, ln.kind, ln.amount) for ln in got] == [
        ("2027-01", "commission", D("400.00")), ("2027-01", "draw", D("600.01")), ("2027-02", "draw", D("1000.01"))]


@pytest.mark.parametrize("engine", ENGINES)
def test_fx_conversion_with_a_non_terminating_ratio(engine):
    # plan in CAD (1 CAD = 0.75 USD base): a USD 200.10 deal credits 200.10 / 0.75 = 266.80 CAD exactly,
    # but only when computed as 200.10 × 1 / 0.75 exactly; × 3.75 % = 10.005 → 10.01
    p = plan(commission("Flat", quota=False, tiers=((None, "0.0375"),)), currency="CAD")
    fx = [FxRate("CAD", D("0.75"), date(2026, 1, 1))]
    (line,) = lines_of(engine, p, [deal("D-1", "a", "200.10", JAN)], {}, fx_rates=fx)
    assert line.amount == D("10.01")
    # quota-based: EUR 300.15 at 1.2 EUR→USD into a CAD plan: 300.15 × 1.2 / 0.75 = 480.24 CAD; retro 2 %
    # on quota 41,100 CAD… = 9.6048 → 9.60; and 4,944.25 CAD worth of EUR (4,944.25 × 0.75 / 1.2 = 3,090.15625
    # EUR is not a cent amount, so use the CAD-denominated credit directly above).
    p2 = plan(commission(method="retroactive", period="year", tiers=(("1.0", "0.02"), (None, "0.04"))), currency="CAD")
    fx2 = fx + [FxRate("EUR", D("1.2"), date(2026, 1, 1))]
    (line2,) = lines_of(engine, p2, [deal("D-2", "a", "300.15", JAN, currency="EUR")],
                        {("a", "bookings", "2027"): 41100}, fx_rates=fx2)
    assert line2.amount == D("9.60") and line2.credit == D("480.24")
