"""The running attainment a line stores is derivable from its group's credits in statement order.

Issue 11 item 3 (docs/benchmarks.md, bench:recalccut-2026-12-03): ~99.8 % of the lines an edit rewrites differ
only in their stored running attainment (attainment_before/after and the same two fractions in the facts). The
cut that removes them from the line rows relies on what these tests prove, on random plans and deals (both
engines' test worlds: splits, roll-ups, FX, caps, every quota period, assignment changes, any hierarchy):

* within one statement (seller, month), the lines of a rating group (seller, plan, component, quota period)
  appear in rating order, so each line's attainment before is the previous line's after;
* after − before = the line's credit / quota, exactly (the facts' fractions);
* a group's first line in a statement starts at the cumulative credit of the group's earlier statements
  (the "opening" a statement would store), so opening + the lines' credits reproduce every value;
* the values are the reference engine's (`compensation.engine.calculate`), to its 40 digits;
* a group is rated wholly set-based (facts with exact fractions) or wholly by the reference (text, no facts):
  never mixed, so a reader can tell per group whether to derive or read.
"""
import dataclasses
import json
from collections import defaultdict
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from test_engine_frames import reorganised, worlds

from compensation.engine import calculate
from compensation.engine.frames import calculate_frames
from compensation.engine.payout import to_decimal


def _check_derivable(inp) -> int:
    """Assert the properties above for `inp`; returns how many lines were derived."""
    reference = calculate(inp).lines
    lines = calculate_frames(inp, explain="facts").lines
    # the reference's lines (facts are not compared; the text is rendered from them)
    assert tuple(dataclasses.replace(ln, explanation=ln.text) for ln in lines) == reference
    cum: dict = defaultdict(Fraction)  # group -> cumulative credit through the last statement seen
    kind_of: dict = {}  # group -> "facts" | "text"
    derived = 0
    for line, ref in zip(lines, reference, strict=True):
        if line.kind != "commission" or line.attainment_before is None:
            continue
        group = (line.seller, line.plan, line.component, line.quota_period)
        kind = "facts" if line.facts else "text"
        assert kind_of.setdefault(group, kind) == kind, f"group {group} mixes rated and reference lines"
        if kind == "text":
            continue
        facts = json.loads(line.facts)
        quota = Fraction(facts["quota"])
        credit = Fraction(facts["credit"])
        before, after = cum[group] / quota, (cum[group] + credit) / quota
        assert Fraction(facts["attainment_before"]) == before
        assert Fraction(facts["attainment_after"]) == after
        assert (to_decimal(before), to_decimal(after)) == (ref.attainment_before, ref.attainment_after)
        cum[group] += credit
        derived += 1
    return derived


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_running_attainment_is_the_groups_credits_in_statement_order(inp):
    _check_derivable(inp)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(reorganised())
def test_running_attainment_derivable_under_any_hierarchy_and_assignment_history(inp):
    _check_derivable(inp)


def test_the_check_derives_lines_of_every_period_kind():
    """Not vacuous: a fixed world with month, quarter and year groups and roll-ups derives their lines."""
    from datetime import date

    from engine_testkit import assign, commission, deal, engine_input, plan

    p = plan(commission("Q", period="quarter"), commission("Y", period="year", rollup=True),
             commission("M", period="month", tiers=(("0.5", "0.05"), (None, "0.1"))))
    deals = [deal(f"D{i}", "a" if i % 2 else "b", 1000 + 137 * i, date(2027, 1 + i % 6, 1 + i % 27)) for i in range(30)]
    quotas = {(s, "bookings", k): 20000 for s in "abm" for k in ["2027", "2027-Q1", "2027-Q2"]}
    quotas |= {(s, "bookings", f"2027-0{m}"): 5000 for s in "abm" for m in range(1, 7)}
    inp = engine_input(p, [assign("a"), assign("b"), assign("m")], deals, quotas, managers={"a": "m", "b": "m"},
                       period_through="2027-06")
    derived = _check_derivable(inp)
    assert derived == len([ln for ln in calculate(inp).lines if ln.attainment_before is not None]) > 60
