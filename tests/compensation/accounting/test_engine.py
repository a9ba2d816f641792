"""ASC 340-40 schedules, hand-computed, and the property that a schedule sums to what was capitalised."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compensation.accounting.engine import (
    CommissionCost,
    add_months,
    amortisation_schedule,
    journal,
    schedule_for,
)

D = Decimal


def test_straight_line_over_36_months_puts_the_rounding_in_the_last_month():
    rows = amortisation_schedule(D("1000.00"), start="2027-01", months=36)
    # 1000 / 36 = 27.777…: 35 months of 27.77 (971.95) and the last takes 28.05
    assert rows[0] == ("2027-01", D("27.77"))
    assert rows[34] == ("2029-11", D("27.77"))
    assert rows[-1] == ("2029-12", D("28.05"))
    assert len(rows) == 36 and sum(a for _, a in rows) == D("1000.00")


def test_a_negative_cost_amortises_symmetrically():
    rows = amortisation_schedule(D("-100.00"), start="2027-11", months=3)
    assert rows == [("2027-11", D("-33.33")), ("2027-12", D("-33.33")), ("2028-01", D("-33.34"))]


def test_contracts_of_12_months_or_less_are_expensed_at_once():
    s = schedule_for(CommissionCost(deal="D1", seller="S1", period="2027-01", amount=D("6000.00"), term_months=12))
    assert (s.capitalised, s.rows) == (False, [("2027-01", D("6000.00"))])
    unknown = schedule_for(CommissionCost(deal="D1", seller="S1", period="2027-01", amount=D("5.00"), term_months=None))
    assert unknown.capitalised is False


def test_a_24_month_contract_is_capitalised_over_its_term_or_the_customer_life():
    cost = CommissionCost(deal="D1", seller="S1", period="2027-01", amount=D("6000.00"), term_months=24)
    by_term = schedule_for(cost)
    assert by_term.capitalised and by_term.months == 24
    assert by_term.rows[0] == ("2027-01", D("250.00")) and by_term.rows[-1] == ("2028-12", D("250.00"))
    by_life = schedule_for(cost, customer_life_months=60)
    assert by_life.months == 60 and by_life.rows[0][1] == D("100.00") and by_life.rows[-1][0] == "2031-12"


def test_early_churn_expenses_the_remainder_in_the_churn_month():
    cost = CommissionCost(deal="D1", seller="S1", period="2027-01", amount=D("2400.00"), term_months=24,
                          churn_period="2027-04")
    s = schedule_for(cost)
    # Jan–Mar amortise 100.00 each; April takes the remaining 2,100.00
    assert s.rows == [("2027-01", D("100.00")), ("2027-02", D("100.00")), ("2027-03", D("100.00")),
                      ("2027-04", D("2100.00"))]


def test_journal_rolls_the_balance_forward_and_ties_to_what_was_incurred():
    long = schedule_for(CommissionCost(deal="D1", seller="S1", period="2027-01", amount=D("2400.00"), term_months=24))
    short = schedule_for(CommissionCost(deal="D2", seller="S1", period="2027-02", amount=D("500.00"), term_months=6))
    rows = journal([long, short], other_expense={"2027-02": D("-50.00")}, through="2027-03")
    assert [(r.period, r.opening_balance, r.capitalised, r.amortisation, r.expensed, r.closing_balance) for r in rows] == [
        ("2027-01", D("0.00"), D("2400.00"), D("100.00"), D("0.00"), D("2300.00")),
        ("2027-02", D("2300.00"), D("0.00"), D("100.00"), D("450.00"), D("2200.00")),
        ("2027-03", D("2200.00"), D("0.00"), D("100.00"), D("0.00"), D("2100.00")),
    ]
    assert rows[1].incurred == D("450.00") and rows[1].total_expense == D("550.00")


def test_add_months_crosses_years():
    assert add_months("2027-11", 3) == "2028-02" and add_months("2027-01", 0) == "2027-01"


@settings(max_examples=200, deadline=None)
@given(cents=st.integers(min_value=-10**9, max_value=10**9).filter(lambda c: c != 0),
       months=st.integers(min_value=1, max_value=120),
       churn_after=st.one_of(st.none(), st.integers(min_value=0, max_value=130)))
def test_property_a_schedule_sums_to_the_capitalised_amount(cents, months, churn_after):
    amount = D(cents) / 100
    churn = add_months("2027-01", churn_after) if churn_after is not None else None
    s = schedule_for(CommissionCost(deal="D", seller="S", period="2027-01", amount=amount, term_months=months + 12,
                                    churn_period=churn), customer_life_months=months)
    assert sum(a for _, a in s.rows) == amount
    assert all(a == a.quantize(D("0.01")) for _, a in s.rows)
    if churn is None or churn > add_months("2027-01", months - 1):
        assert len(s.rows) == months
        # equal months but the last, which differs by less than a cent per month
        assert len({a for _, a in s.rows[:-1]}) <= 1


def test_it_refuses_a_schedule_of_no_months():
    with pytest.raises(ValueError):
        amortisation_schedule(D("1.00"), start="2027-01", months=0)
