import dataclasses
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from engine_testkit import assign, commission, deal, engine_input, plan
from hypothesis import given, settings
from hypothesis import strategies as st

from compensation.engine import AdjustmentInput, ChurnEvent, calculate
from compensation.engine.payout import bands, payout

TIERS = (("0.5", "0.05"), ("1.0", "0.10"), ("1.5", "0.15"), (None, "0.25"))
PLAN = plan(commission(tiers=TIERS), commission("Yearly", period="year", tiers=(("1", "0.02"), (None, "0.03"))),
            commission("Retro", method="retroactive", tiers=(("1", "0.1"), (None, "0.2"))),
            {"name": "S", "type": "spif", "amount": "100", "when": {"min_amount": "20000"}},
            draw={"amount": "2000"}, clawback={"window_days": 60, "method": "prorated"})
SELLERS = ["a", "b", "c"]
QUOTAS = {(s, "bookings", k): Decimal(v) for s in SELLERS
          for k, v in [("2027-Q1", 90000), ("2027-Q2", 120000), ("2027", 500000)]}

amount_st = st.decimals(min_value=-20000, max_value=90000, places=2, allow_nan=False, allow_infinity=False)
deal_st = st.tuples(st.sampled_from(SELLERS), amount_st, st.integers(0, 179),
                    st.sampled_from(["new_logo", "expansion", "renewal"]), st.booleans())


def make_deals(specs):
    out = []
    for i, (owner, amount, day, dtype, split) in enumerate(specs):
        splits = ((owner, 70), ("c", 30)) if split and owner != "c" else ()
        out.append(deal(f"D-{i:03d}", owner, amount, date(2027, 1, 1) + timedelta(days=day), dtype, splits=splits))
    return out


def inputs(deals, assignments, **kw):
    return engine_input(PLAN, assignments, deals, QUOTAS, managers={"a": "b", "b": None, "c": "b"},
                        period_from="2027-01", period_through="2027-06", **kw)


ASSIGNMENTS = [assign("a"), assign("b", end=date(2027, 3, 15)), assign("b", start=date(2027, 3, 16), ti=50000),
               assign("c", start=date(2027, 2, 1))]


@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(deal_st, max_size=15), st.randoms(use_true_random=False))
def test_input_order_does_not_change_lines(specs, rnd):
    deals = make_deals(specs)
    events = [ChurnEvent(d.key, d.close_date + timedelta(days=20)) for d in deals[::3]]
    adjs = [AdjustmentInput(s, "2027-02", Decimal(i), f"r{i}", ref=i) for i, s in enumerate(SELLERS)]
    base = calculate(inputs(deals, ASSIGNMENTS, events=events, adjustments=adjs))
    d2, a2, e2, j2 = deals[:], ASSIGNMENTS[:], events[:], adjs[:]
    for x in (d2, a2, e2, j2):
        rnd.shuffle(x)
    shuffled = calculate(inputs(d2, a2, events=e2, adjustments=j2))
    assert shuffled.lines == base.lines
    assert shuffled.attainment == base.attainment


def _marginal_groups(result):
    groups = defaultdict(list)
    for ln in result.lines:
        if ln.kind == "commission" and ln.component == "New business" and ln.quota is not None:
            groups[(ln.seller, ln.quota_period)].append(ln)
    return groups


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(deal_st, max_size=20))
def test_marginal_lines_sum_to_payout_of_final_attainment(specs):
    r = calculate(inputs(make_deals(specs), ASSIGNMENTS))
    bs = bands(commission_tiers())
    for lines in _marginal_groups(r).values():
        final = lines[-1].attainment_after
        f = payout(bs, "marginal", lines[-1].quota, final)
        assert abs(sum(ln.amount for ln in lines) - f) <= Decimal("0.005") * len(lines)


def commission_tiers():
    return PLAN.components[0].tiers


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(deal_st, min_size=1, max_size=12), st.integers(0, 11),
       st.decimals(min_value=0, max_value=1, places=3, allow_nan=False, allow_infinity=False))
def test_splitting_a_deal_in_two_adjacent_deals_keeps_marginal_total(specs, which, part):
    deals = make_deals(specs)
    victim = deals[which % len(deals)]
    first = (victim.amount * part).quantize(Decimal("0.01"))
    halves = [dataclasses.replace(victim, key=victim.key + "a", amount=first),  # Deal has slots: no __dict__
              dataclasses.replace(victim, key=victim.key + "b", amount=victim.amount - first)]
    split_deals = [d for d in deals if d is not victim] + halves
    r1 = _marginal_groups(calculate(inputs(deals, ASSIGNMENTS)))
    r2 = _marginal_groups(calculate(inputs(split_deals, ASSIGNMENTS)))
    assert r1.keys() == r2.keys()
    for k in r1:
        t1, t2 = sum(ln.amount for ln in r1[k]), sum(ln.amount for ln in r2[k])
        assert abs(t1 - t2) <= Decimal("0.005") * (len(r1[k]) + len(r2[k]))


@settings(max_examples=25, deadline=None, database=None)
@given(st.lists(deal_st, max_size=15), st.sampled_from(["2027-02", "2027-03", "2027-05"]))
def test_requested_range_does_not_change_a_months_lines(specs, start):
    deals = make_deals(specs)
    full = calculate(inputs(deals, ASSIGNMENTS))
    part = calculate(engine_input(PLAN, ASSIGNMENTS, deals, QUOTAS, managers={"a": "b", "b": None, "c": "b"},
                                  period_from=start, period_through="2027-06"))
    assert part.lines == tuple(ln for ln in full.lines if ln.period >= start)
