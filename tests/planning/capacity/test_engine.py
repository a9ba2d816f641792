"""Hand-computed capacity arithmetic (issue 9, item 1) and properties of the engine."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.capacity.engine import (
    CapacityInputError,
    Hire,
    RosterMember,
    Segment,
    compute,
    member_monthly_capacity,
    money,
    parse_scenario,
    quantity,
    result_to_dict,
    scenario_to_dict,
)


def worked_example(**extra):
    """$12M target, 20 ramped sellers at $490k, 6-month ramp, 12 % over-assignment."""
    data = {
        "year": 2027, "target": "12000000", "over_assignment": "0.12", "attrition": "0",
        "segments": [{"name": "ent", "productivity": "490000", "ramp_months": 6}],
        "roster": [{"id": f"s{i}", "segment": "ent", "hire_date": "2024-03-01"} for i in range(20)],
        "gap_hires": {"segment": "ent", "start": "2027-01"},
    }
    data.update(extra)
    return data


def test_worked_example():
    out = result_to_dict(compute(parse_scenario(worked_example())))
    # 20 × 490,000 = 9,800,000; gap 12,000,000 − 9,800,000; quota 12,000,000 × 1.12.
    assert out["capacity"] == "9800000.00"
    assert out["gap"] == "2200000.00"
    assert out["quota_to_assign"] == "13440000.00"
    # One January hire: 490,000/12 × (1+2+3+4+5)/6 + 490,000/12 × 7 = 40,833.33 × 9.5 = 387,916.67;
    # 5 hires add 1,939,583.33 < 2,200,000 ≤ 6 hires 2,327,500.00.
    assert out["hires_needed"] == 6
    assert len(out["months"]) == 12
    assert out["months"][0] == {"month": "2027-01", "ramped": 20, "ramping": 0, "fre": 20, "capacity": "816666.67"}
    assert [m["month"] for m in out["months"]] == [f"2027-{i:02d}" for i in range(1, 13)]


def test_worked_example_with_hires_needed_added_closes_the_gap():
    data = worked_example(hires=[{"segment": "ent", "count": 6, "start": "2027-01"}])
    out = result_to_dict(compute(parse_scenario(data)))
    assert out["capacity"] == "12127500.00"  # 9,800,000 + 6 × 387,916.67 (exact 2,327,500)
    assert out["gap"] == "-127500.00"
    assert out["hires_needed"] == 0
    assert out["months"][0] == {"month": "2027-01", "ramped": 20, "ramping": 6, "fre": 21, "capacity": "857500.00"}
    assert out["months"][5]["ramped"] == 26 and out["months"][4]["ramping"] == 6


def test_issue_file_example_tenure_continues_from_before_the_plan_year():
    data = {
        "year": 2027, "target": "12000000", "over_assignment": "0.12", "attrition": "0",
        "segments": [{"name": "mid", "productivity": "400000", "ramp_months": 6}],
        "roster": [{"id": "s1", "segment": "mid", "hire_date": "2026-10-01"}],
        "hires": [{"segment": "mid", "count": 3, "start": "2027-01"}],
        "gap_hires": {"segment": "mid", "start": "2027-01"},
    }
    out = result_to_dict(compute(parse_scenario(data)))
    months = out["months"]
    # s1 is in tenure month 4 in January (4/6), the three hires in month 1 (1/6 each): 7/6 FRE.
    assert months[0] == {"month": "2027-01", "ramped": 0, "ramping": 4, "fre": 1.1667, "capacity": "38888.89"}
    # March: s1 reaches tenure 6 → ramped; the hires are at 3/6.
    assert months[2] == {"month": "2027-03", "ramped": 1, "ramping": 3, "fre": 2.5, "capacity": "83333.33"}
    assert months[5] == {"month": "2027-06", "ramped": 4, "ramping": 0, "fre": 4, "capacity": "133333.33"}
    # s1: 33,333.33 × (4/6 + 5/6 + 10) = 383,333.33; hires: 3 × 33,333.33 × 9.5 = 950,000.
    assert out["capacity"] == "1333333.33"
    assert out["gap"] == "10666666.67"
    # 10,666,666.67 / 316,666.67 = 33.68 → 34
    assert out["hires_needed"] == 34


def test_explicit_ramp_curve_replaces_ramp_months():
    data = worked_example(
        segments=[{"name": "ent", "productivity": "120000", "ramp_curve": ["0", "0.25", "0.5"]}],
        roster=[], hires=[{"segment": "ent", "count": 2, "start": "2027-11"}],
    )
    out = result_to_dict(compute(parse_scenario(data)))
    # November: tenure 1 → 0; December: tenure 2 → 0.25 × 10,000 × 2 heads.
    assert out["months"][10] == {"month": "2027-11", "ramped": 0, "ramping": 2, "fre": 0, "capacity": "0.00"}
    assert out["months"][11] == {"month": "2027-12", "ramped": 0, "ramping": 2, "fre": 0.5, "capacity": "5000.00"}
    assert out["capacity"] == "5000.00"


def test_ramp_months_zero_is_productive_at_once_and_before_hire_is_nothing():
    seg = Segment("x", Fraction(1200), 0)
    assert seg.ramp(1) == 1 and seg.ramp(0) == 0
    seg6 = Segment("x", Fraction(1200), 6)
    assert [seg6.ramp(m) for m in range(0, 8)] == [0, Fraction(1, 6), Fraction(1, 3), Fraction(1, 2),
                                                     Fraction(2, 3), Fraction(5, 6), 1, 1]


def test_attrition_is_spread_evenly_and_replacements_ramp():
    base = {
        "year": 2027, "target": "1200000", "attrition": "0.12",
        "segments": [{"name": "m", "productivity": "120000", "ramp_months": 2}],
        "roster": [{"id": f"s{i}", "segment": "m"} for i in range(100)],
    }
    out = result_to_dict(compute(parse_scenario(base)))
    # 1 % of the 100 heads leaves at the end of every month: 100, 99, …, 89 heads.
    assert [m["ramped"] for m in out["months"]] == list(range(100, 88, -1))
    assert out["months"][11]["capacity"] == "890000.00"
    assert out["capacity"] == str(Decimal(sum(range(89, 101)) * 10000)) + ".00"  # 11,340,000
    replaced = result_to_dict(compute(parse_scenario({**base, "replace_attrition": True})))
    # February: 99 ramped + 1 replacement in tenure 1 (half productive) → 99.5 FRE.
    feb = replaced["months"][1]
    assert feb["ramped"] == 99 and feb["ramping"] == 1 and feb["fre"] == 99.5
    assert all(round(m["ramped"] + m["ramping"], 6) == 100 for m in replaced["months"])


def test_end_date_removes_a_seller_after_that_month():
    data = worked_example(roster=[{"id": "a", "segment": "ent", "end_date": "2027-03-15"}])
    out = result_to_dict(compute(parse_scenario(data)))
    assert [m["ramped"] for m in out["months"][:4]] == [1, 1, 1, 0]
    assert out["capacity"] == "122500.00"  # 3 × 40,833.33…


def test_pricing_prorates_target_incentive_by_start_month():
    data = worked_example(
        segments=[{"name": "ent", "productivity": "490000", "ramp_months": 6, "target_incentive": "60000"}],
        roster=[{"id": "a", "segment": "ent"}, {"id": "b", "segment": "ent", "target_incentive": "120000"}],
        hires=[{"segment": "ent", "count": 2, "start": "2027-07"}],
    )
    result = compute(parse_scenario(data))
    # 60,000 + 120,000 + 2 × 60,000 × 6/12 = 240,000; / 12,000,000 = 2 %.
    assert money(result.variable_pay) == Decimal("240000.00")
    assert result.cost_of_sales == Fraction(1, 50)


def test_hires_before_the_year_continue_their_ramp_and_after_it_add_nothing():
    data = worked_example(roster=[], hires=[{"segment": "ent", "count": 1, "start": "2026-10"},
                                            {"segment": "ent", "count": 5, "start": "2028-01"}])
    out = result_to_dict(compute(parse_scenario(data)))
    # tenure 4 in January (4/6), 5/6 in February, ramped from March: 40,833.33 × (4/6 + 5/6 + 10)
    assert out["months"][0] == {"month": "2027-01", "ramped": 0, "ramping": 1, "fre": 0.6667, "capacity": "27222.22"}
    assert out["capacity"] == "469583.33"


def test_no_gap_means_zero_hires_and_unreachable_is_none():
    rich = worked_example(target="100")
    assert compute(parse_scenario(rich)).hires_needed == 0
    dead = worked_example(segments=[{"name": "ent", "productivity": "490000", "ramp_curve": ["0"] * 12}], roster=[],
                          gap_hires={"segment": "ent", "start": "2027-02"})
    assert compute(parse_scenario(dead)).hires_needed is None


def test_fiscal_year_start_month_shifts_the_plan_months():
    data = worked_example(fiscal_year_start_month=4, gap_hires={"segment": "ent", "start": "2027-04"})
    out = result_to_dict(compute(parse_scenario(data)))
    assert out["months"][0]["month"] == "2027-04" and out["months"][11]["month"] == "2028-03"


def test_member_monthly_capacity_follows_the_ramp():
    inp = parse_scenario(worked_example())
    caps = member_monthly_capacity(inp, RosterMember("n", "ent", date(2027, 5, 20)))
    assert caps[:4] == [0, 0, 0, 0]
    assert caps[4] == Fraction(490000, 12) / 6
    hire = member_monthly_capacity(inp, Hire("ent", 1, (2027, 12)))
    assert hire[11] == Fraction(490000, 72)


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"target": None}, "target"),
        ({"target": "abc"}, "target"),
        ({"year": "x"}, "year"),
        ({"over_assignment": "-1"}, "over_assignment"),
        ({"attrition": "1.5"}, "attrition"),
        ({"segments": []}, "segments"),
        ({"segments": [{"name": "ent", "ramp_months": 6}]}, "segments[0].productivity"),
        ({"segments": [{"name": "ent", "productivity": "1"}]}, "segments[0].ramp_months"),
        ({"segments": [{"name": "ent", "productivity": "1", "ramp_curve": ["2"]}]}, "segments[0].ramp_curve[0]"),
        ({"roster": [{"id": "a", "segment": "nope"}]}, "roster[0].segment"),
        ({"roster": [{"id": "a", "segment": "ent", "hire_date": "2027-13-01"}]}, "roster[0].hire_date"),
        ({"roster": [{"id": "a", "segment": "ent"}, {"id": "a", "segment": "ent"}]}, "roster[1].id"),
        ({"hires": [{"segment": "ent", "count": -1, "start": "2027-01"}]}, "hires[0].count"),
        ({"hires": [{"segment": "ent", "count": 1, "start": "2027-13"}]}, "hires[0].start"),
        ({"gap_hires": {"segment": "ent", "start": "2028-01"}}, "gap_hires.start"),
        ({"hires": [{"segment": "ent", "count": 1}]}, "hires[0].start"),
        ({"gap_hires": {"segment": "ent", "start": "Jan"}}, "gap_hires.start"),
        ({"replace_attrition": "yes"}, "replace_attrition"),
    ],
)
def test_invalid_input_names_the_key(patch, key):
    data = worked_example()
    for k, v in patch.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v
    with pytest.raises(CapacityInputError) as exc:
        parse_scenario(data)
    assert exc.value.key == key


def test_money_rounds_half_up_exactly():
    assert money(Fraction(1, 200)) == Decimal("0.01")
    assert money(Fraction(-1, 200)) == Decimal("-0.01")
    assert money(Fraction(98885, 1000)) == Decimal("98.89")
    assert money(Fraction(1, 3)) == Decimal("0.33")
    assert quantity(Fraction(7, 6)) == 1.1667 and quantity(Fraction(4)) == 4


def test_scenario_round_trips_through_the_file_format():
    data = worked_example(hires=[{"segment": "ent", "count": 2, "start": "2027-03", "target_incentive": "5"}])
    inp = parse_scenario(data)
    assert parse_scenario(scenario_to_dict(inp)) == inp


segment_st = st.builds(
    lambda p, r: {"name": "s", "productivity": str(p), "ramp_months": r},
    st.integers(0, 2_000_000), st.integers(0, 12),
)
hire_st = st.builds(lambda c, m: {"segment": "s", "count": c, "start": f"2027-{m:02d}"},
                    st.integers(0, 20), st.integers(1, 12))
roster_st = st.lists(st.builds(lambda y, m: {"segment": "s", "hire_date": f"{y}-{m:02d}-01"},
                               st.integers(2020, 2027), st.integers(1, 12)), max_size=15)


@settings(max_examples=60, deadline=None)
@given(segment_st, roster_st, st.lists(hire_st, max_size=4), st.integers(0, 50_000_000),
       st.sampled_from(["0", "0.1", "0.25"]), st.booleans(), st.integers(1, 12))
def test_hires_needed_is_the_smallest_count_closing_the_gap(seg, roster, hires, target, attrition, replace, gm):
    data = {"year": 2027, "target": str(target), "attrition": attrition, "replace_attrition": replace,
            "segments": [seg], "roster": [{"id": str(i), **r} for i, r in enumerate(roster)], "hires": hires,
            "gap_hires": {"segment": "s", "start": f"2027-{gm:02d}"}}
    inp = parse_scenario(data)
    result = compute(inp)
    assert len(result.months) == 12
    assert result.capacity == sum(m.capacity for m in result.months)
    assert result.gap == result.target - result.capacity
    for m in result.months:
        assert 0 <= m.fre <= m.ramped + m.ramping
    n = result.hires_needed
    if n is None:
        assert result.gap > 0 and result.per_hire_capacity == 0
        return

    def with_extra(k):
        extra = [*hires, {"segment": "s", "count": k, "start": f"2027-{gm:02d}"}]
        return compute(parse_scenario({**data, "hires": extra})).capacity

    assert with_extra(n) >= result.target
    if n > 0:
        assert with_extra(n - 1) < result.target
