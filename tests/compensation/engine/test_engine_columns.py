"""The column-wise run (compensation.engine.table: credits as integer columns — rows keep a party, an FX ratio, an
assignment and a component number; micro-units worked out once per distinct (party, FX ratio); per-line lists
made by indexing small tables) gives the reference engine's lines where its shortcuts could slip:

* credits, cumulative credits and earnings beyond int64 (the object-array fallbacks);
* sellers that are not strings (integers, tuples: the per-line lists are object arrays indexed at once).

The random worlds are those of test_engine_frames (splits, roll-ups, FX, deal types, both tier methods, caps,
SPIFs, clawbacks, draws, a plan change mid-quarter), with the amounts or the seller ids transformed.
"""
import dataclasses
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_frames import SELLERS, reorganised, worlds

from compensation.engine import Deal, calculate
from compensation.engine.frames import calculate_frames


def _scaled(inp, factor: Decimal, quota_factor: Decimal):
    """`inp` with every deal amount and adjustment multiplied by `factor` (same shares, same FX), the quotas by
    `quota_factor`."""
    deals = [dataclasses.replace(d, amount=d.amount * factor) for d in inp.deals]
    quotas = {k: Decimal(v) * quota_factor for k, v in inp.quotas.items()}
    adjustments = [dataclasses.replace(a, amount=a.amount * factor) for a in inp.adjustments]
    return dataclasses.replace(inp, deals=deals, quotas=quotas, adjustments=adjustments)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from([10**9, 10**13]), st.sampled_from([1, 10**4, 10**7]))
def test_credits_beyond_int64_micro_units_are_the_reference(inp, factor, quota_factor):
    """10^9 × a 5-digit amount is ~10^20 micro-units: Python ints, not int64, from the credits to the cents (quotas
    up to 10^12 stay whole micro-units below INT64_SAFE, so those groups are still rated set-based)."""
    inp = _scaled(inp, Decimal(factor), Decimal(quota_factor))
    reference, frames = calculate(inp), calculate_frames(inp)
    assert frames.lines == reference.lines
    assert frames.attainment == reference.attainment


def _renamed(inp, name):
    """`inp` with every seller id replaced by name(id)."""
    def deal(d: Deal) -> Deal:
        return dataclasses.replace(d, owner=name(d.owner), splits=tuple((name(s), p) for s, p in d.splits))

    return dataclasses.replace(
        inp, managers={name(s): (None if m is None else name(m)) for s, m in inp.managers.items()},
        assignments=[dataclasses.replace(a, seller=name(a.seller)) for a in inp.assignments],
        quotas={(name(s), measure, key): v for (s, measure, key), v in inp.quotas.items()},
        deals=[deal(d) for d in inp.deals],
        adjustments=[dataclasses.replace(a, seller=name(a.seller)) for a in inp.adjustments],
        only_sellers=None if inp.only_sellers is None else frozenset(map(name, inp.only_sellers)))


IDS = {"ints": lambda s: SELLERS.index(s) + 7, "tuples": lambda s: (s, len(s)),
       "mixed": lambda s: (s, 1) if s in ("a", "m") else s}


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(reorganised(), st.sampled_from(sorted(IDS)), st.one_of(st.none(), st.sets(st.sampled_from(SELLERS))))
def test_sellers_of_any_hashable_type_are_the_reference(inp, ids, only):
    inp = _renamed(dataclasses.replace(inp, only_sellers=None if only is None else frozenset(only)), IDS[ids])
    reference, frames = calculate(inp), calculate_frames(inp)
    assert frames.lines == reference.lines
    assert frames.attainment == reference.attainment


def test_a_year_of_credits_beyond_int64_is_rated_set_based_and_is_the_reference():
    """Deals of 10^13 against a quota of 10^12: the credits (10^19 micro-units and more) and their running sum
    overflow int64 (the cents do not), the quota does not — the group is rated set-based on Python ints, exactly as the reference."""
    from datetime import date

    from engine_testkit import assign, commission, deal, engine_input, plan

    from compensation.engine.table import calculate_table

    p = plan(commission(tiers=(("1.0", "0.02"), ("1.5", "0.05"), (None, "0.1")), period="year"),
             commission("Retro", tiers=(("1.0", "0.02"), (None, "0.04")), period="quarter", method="retroactive",
                        cap={"amount": "90000000000.005"}), draw={"amount": "1000", "recoverable": True})
    deals = [deal(f"D-{i}", "a" if i % 3 else "b", Decimal("9876543210987.65") * (1 if i % 5 else -1),
                  date(2027, 1 + i % 12, 1 + i % 27), splits=(("a", 40), ("b", 60)) if i % 4 == 0 else ())
             for i in range(40)]
    inp = engine_input(p, [assign("a"), assign("b"), assign("m")], deals,
                       {(s, "bookings", k): "1000000000000.01" for s in "abm"
                        for k in ("2027", "2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4")},
                       managers={"a": "m", "b": "m", "m": None})
    table = calculate_table(inp)
    assert table.n > 0 and table.c_credit.dtype == object
    reference = calculate(inp)
    assert table.result(explain=True).lines == reference.lines
    assert table.attainment == reference.attainment
