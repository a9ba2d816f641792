"""The set-based engine (compensation.engine.frames) gives the reference engine's lines, to the cent.

Random plans (both tier methods, both bases, weights, caps, month/quarter/year quotas, roll-ups, SPIFs,
clawbacks, draws), random deals (splits, credit memos, FX) and random quotas, including ones whose band
edges or FX credits are not whole micro-units (those groups take the exact per-credit path).
"""
from datetime import date, timedelta
from decimal import Decimal

from engine_testkit import assign, deal, engine_input
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compensation.engine import AdjustmentInput, ChurnEvent, FxRate, calculate, parse_plan_document
from compensation.engine.frames import calculate_frames

SELLERS = ["a", "b", "c", "m"]
MANAGERS = {"a": "m", "b": "m", "c": "b", "m": None}
RATES = ["0.02", "0.05", "0.1", "0.125", "0.15", "0.2", "1.0", "1.5", "0.0375", "0.3333"]
UPTOS = ["0.5", "0.75", "1.0", "1.2", "1.5", "2"]
money = st.decimals(min_value=-5000, max_value=80000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def components(draw, i):
    n_tiers = draw(st.integers(1, 4))
    uptos = sorted(draw(st.sets(st.sampled_from(UPTOS), min_size=n_tiers - 1, max_size=n_tiers - 1)),
                   key=Decimal)
    tiers = [{"upto": u, "rate": draw(st.sampled_from(RATES))} for u in uptos] + [{"rate": draw(st.sampled_from(RATES))}]
    quota = draw(st.sampled_from([None, "month", "quarter", "year", "quarter"]))
    comp = {"name": f"C{i}", "type": "commission", "method": draw(st.sampled_from(["marginal", "retroactive"])),
            "measure": draw(st.sampled_from([{}, {"deal_types": ["new_logo"]}, {"deal_types": ["expansion", "renewal"]}])),
            "tiers": tiers if quota else tiers[-1:]}
    if quota:
        comp["quota"] = {"measure": "bookings", "period": quota}
        comp["basis"] = draw(st.sampled_from(["credit", "credit", "target_incentive"]))
        if draw(st.booleans()):
            comp["cap"] = {"amount": draw(st.sampled_from(["500", "2500.005", "10000"]))}
        comp["rollup"] = draw(st.booleans())
    else:
        comp["quota"] = None
    if draw(st.booleans()):
        comp["weight"] = draw(st.sampled_from(["0.5", "0.3", "1.25"]))
    return comp


@st.composite
def plans(draw):
    comps = [draw(components(i)) for i in range(draw(st.integers(1, 3)))]
    if draw(st.booleans()):
        comps.append({"name": "SPIF", "type": "spif", "amount": draw(st.sampled_from(["100", "10.01", "333.33"])),
                      "when": {"deal_types": ["new_logo"], "min_amount": "1000"}})
    doc = {"name": "P", "currency": draw(st.sampled_from(["USD", "USD", "CAD"])), "components": comps}
    if draw(st.booleans()):
        doc["clawback"] = {"window_days": draw(st.sampled_from([16, 60, 90])),
                           "method": draw(st.sampled_from(["full", "prorated"]))}
    if draw(st.booleans()):
        doc["draw"] = {"amount": draw(st.sampled_from(["1000", "2500.005"])), "recoverable": draw(st.booleans())}
    return parse_plan_document(doc)


deal_spec = st.tuples(st.sampled_from(SELLERS), money, st.integers(0, 200),
                      st.sampled_from(["new_logo", "expansion", "renewal"]), st.sampled_from(["USD", "USD", "EUR", "CAD"]),
                      st.sampled_from([(), (("c", 30),), (("a", "33.33"), ("b", "66.67"))]))
quota_amount = st.sampled_from(["30000", "41100", "30003", "100000", "99999.99", "7", "0"])


@st.composite
def worlds(draw):
    p1, p2 = draw(plans()), draw(plans())
    specs = draw(st.lists(deal_spec, max_size=25))
    deals = []
    for i, (owner, amount, day, dtype, ccy, splits) in enumerate(specs):
        sp = tuple((owner if s == "_" else s, pct) for s, pct in splits)
        if sp:
            sp = ((owner, 100 - sum(Decimal(str(x)) for _, x in sp)),) + sp if len(sp) == 1 else sp
        deals.append(deal(f"D-{i:03d}", owner, amount, date(2027, 1, 1) + timedelta(days=day), dtype, ccy, splits=sp))
    quotas = {}
    for s in SELLERS:
        for key in ["2027-01", "2027-02", "2027-Q1", "2027-Q2", "2027-Q3", "2027"]:
            if draw(st.booleans()):
                quotas[(s, "bookings", key)] = draw(quota_amount)
    assignments = [assign("a", "p1", ti=draw(st.sampled_from([0, 50000, 70000]))),
                   assign("b", "p1", end=date(2027, 3, 15), ti=60000), assign("b", "p2", start=date(2027, 3, 16), ti=90000),
                   assign("c", "p2", start=date(2027, 2, 1)), assign("m", "p2", ti=120000)]
    events = [ChurnEvent(d.key, d.close_date + timedelta(days=draw(st.integers(0, 100)))) for d in deals[::4]]
    adjustments = [AdjustmentInput("a", "2027-02", Decimal("10.005"), "fix", ref=1)]
    fx = [FxRate("EUR", Decimal("1.08"), date(2026, 1, 1)), FxRate("EUR", Decimal("1.1"), date(2027, 3, 1)),
          FxRate("CAD", Decimal("0.75"), date(2026, 1, 1))]
    return engine_input({"p1": p1, "p2": p2}, assignments, deals, quotas, managers=MANAGERS, period_from="2027-01",
                        period_through="2027-07", events=events, adjustments=adjustments, fx_rates=fx)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_frames_engine_gives_the_reference_lines_to_the_cent(inp):
    reference, frames = calculate(inp), calculate_frames(inp)
    assert frames.lines == reference.lines
    assert frames.attainment == reference.attainment


@st.composite
def reorganised(draw):
    """A world with random managers (chains, cycles, sellers nobody manages) and random assignments: gaps,
    overlaps (the latest-starting one in force), several plans per seller, sellers without any."""
    import dataclasses

    inp = draw(worlds())
    managers = {s: draw(st.sampled_from([None, *SELLERS])) for s in SELLERS}
    day = st.integers(-20, 220).map(lambda n: date(2027, 1, 1) + timedelta(days=n))
    assignments = []
    for s in SELLERS:
        for _ in range(draw(st.integers(0, 3))):
            start = draw(day)
            end = draw(st.one_of(st.none(), st.integers(0, 150).map(lambda n, start=start: start + timedelta(days=n))))
            assignments.append(assign(s, draw(st.sampled_from(["p1", "p2"])), start=start, end=end,
                                      ti=draw(st.sampled_from([0, 60000]))))
    return dataclasses.replace(inp, managers=managers, assignments=assignments)


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(reorganised(), st.one_of(st.none(), st.sets(st.sampled_from(SELLERS))))
def test_credits_follow_any_hierarchy_and_assignment_history_as_the_reference(inp, only):
    import dataclasses

    inp = dataclasses.replace(inp, only_sellers=None if only is None else frozenset(only))
    reference, frames = calculate(inp), calculate_frames(inp)
    assert frames.lines == reference.lines
    assert frames.attainment == reference.attainment


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_without_explanations_only_the_text_differs(inp):
    reference, frames = calculate(inp), calculate_frames(inp, explain=False)
    strip = [(ln.seller, ln.period, ln.component, ln.kind, ln.deal, ln.amount, ln.attainment_after, ln.rate)
             for ln in reference.lines]
    assert [(ln.seller, ln.period, ln.component, ln.kind, ln.deal, ln.amount, ln.attainment_after, ln.rate)
            for ln in frames.lines] == strip


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sets(st.sampled_from(SELLERS)))
def test_computing_some_sellers_only_changes_none_of_their_lines(inp, only):
    import dataclasses

    full = calculate_frames(inp)
    part = calculate_frames(dataclasses.replace(inp, only_sellers=frozenset(only)))
    assert part.lines == tuple(ln for ln in full.lines if ln.seller in only)
    assert part.attainment == {k: v for k, v in full.attainment.items() if k[0] in only}


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_explanations_rendered_from_stored_facts_are_the_reference_text(inp):
    """Render on read: the facts the product stores give, word for word, the text the run would store."""
    import dataclasses

    reference, facts = calculate(inp), calculate_frames(inp, explain="facts")
    assert all(ln.explanation == "" for ln in facts.lines if ln.facts)
    assert tuple(dataclasses.replace(ln, explanation=ln.text) for ln in facts.lines) == reference.lines


def test_a_flat_roll_up_from_a_seller_with_no_assignment_is_the_reference():
    """The source of a flat roll-up credit may be a seller named by no other line (no assignment, no quota
    row): the set-based engine ranks it too instead of failing with a KeyError."""
    plan = parse_plan_document({"name": "P", "currency": "USD", "components": [
        {"name": "Flat", "type": "commission", "quota": None, "rollup": True, "tiers": [{"rate": "0.05"}]}]})
    inp = engine_input({"p": plan}, [assign("m", "p")],
                       [deal("D-1", "x", Decimal("1000.10"), date(2027, 2, 3), "new_logo", "USD")],
                       {}, managers={"x": "m", "m": None}, period_from="2027-01", period_through="2027-03")
    reference = calculate(inp)
    assert [(ln.seller, ln.amount) for ln in reference.lines] == [("m", Decimal("50.01"))]
    assert calculate_frames(inp).lines == reference.lines
