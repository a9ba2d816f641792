"""The fast path of deal validation parses a plain record exactly as the full checks do, and hands
every record it cannot vouch for to them: the errors and the parsed records are the same either way."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spm.hub import scenario_deals, scenarios

EXISTING = {"sellers": {"S-9"}, "deals": set(), "accounts": {"A-1"}, "territories": set(), "plans": set()}
SELLERS = [{"id": "S-1", "name": "Sam"}, {"id": "S-2", "name": "Sue"}]

GOOD = [
    {"id": "D-1", "owner": "S-1", "amount": "60000", "close_date": "2027-01-15", "stage": "closed_won"},
    {"id": " D-2 ", "owner": "S-9", "amount": 1234.5, "close_date": "2027-02-10", "name": " Initech ",
     "splits": [{"seller": "S-1", "pct": 0.6}, {"seller": "S-2", "pct": 0.4}], "account": "A-1", "currency": "EUR"},
    {"id": "D-3", "owner": "S-2", "amount": 5000, "stage": "negotiation", "created_date": "2026-12-01",
     "deal_type": "renewal", "forecast_category": "commit", "splits": [{"seller": "S-2", "pct": "50"}]},
    {"id": "D-4", "owner": "S-1", "amount": "10", "close_date": "2027-05-01", "stage": "  ", "splits": []},
]
BAD = [
    "not an object",
    {"id": "D-1", "owner": "S-1", "amount": "1", "close_date": "2027-01-15"},  # repeated id
    {"id": "", "owner": "S-1", "amount": "1", "close_date": "2027-01-15"},
    {"id": "D-5", "owner": "S-404", "amount": "1", "close_date": "2027-01-15"},
    {"id": "D-6", "owner": "S-1", "amount": "one", "close_date": "2027-01-15"},
    {"id": "D-7", "owner": "S-1", "amount": "NaN", "close_date": "2027-01-15"},
    {"id": "D-8", "owner": "S-1", "amount": True, "close_date": "2027-01-15"},
    {"id": "D-9", "owner": "S-1", "amount": "1", "stage": "closed_won"},
    {"id": "D-10", "owner": "S-1", "amount": "1", "close_date": "15/01/2027"},
    {"id": "D-11", "owner": "S-1", "amount": "1", "close_date": "2027-01-15", "currency": "eur"},
    {"id": "D-12", "owner": "S-1", "amount": "1", "close_date": "2027-01-15", "deal_type": "gift"},
    {"id": "D-13", "owner": "S-1", "amount": "1", "close_date": "2027-01-15", "forecast_category": ["x"]},
    {"id": "D-14", "owner": "S-1", "amount": "1", "close_date": "2027-01-15", "account": "A-404"},
    {"id": "D-15", "owner": "S-1", "amount": "1", "close_date": "2027-01-15", "colour": "red"},
    {"id": "D-16", "owner": "S-1", "amount": "1", "close_date": "2027-01-15", "splits": {"S-1": 100}},
    {"id": "D-17", "owner": "S-1", "amount": "1", "close_date": "2027-01-15", "splits": [{"seller": "S-1", "pct": 0}]},
    {"id": "D-18", "owner": "S-1", "amount": "1", "close_date": "2027-01-15",
     "splits": [{"seller": "S-1", "pct": 70}, {"seller": "S-2", "pct": 40}]},
    {"id": "D-19", "owner": "S-1", "amount": "1", "close_date": "2027-01-15", "splits": [{"seller": "S-404", "pct": 1}]},
    {"id": 19, "owner": "S-1", "amount": "1", "close_date": "2027-01-15"},
    {"id": "D-20", "owner": "S-1", "amount": "1", "close_date": "2027-01-15", "name": 7},
    {"id": "D-21", "owner": None, "amount": None, "close_date": "2027-02-30"},
]


def _validate(deals):
    return scenarios._validate({"sellers": SELLERS, "deals": deals}, EXISTING, 1)


def _all_slow(records, *args):
    """The column-wise checks vouching for nothing: every record takes the full checks."""
    return scenario_deals.Deals.empty(len(records)), list(range(len(records)))


@pytest.mark.parametrize("deals", [GOOD, BAD, GOOD + BAD, BAD[::-1] + GOOD, GOOD + GOOD[:1] + GOOD[:1]])
def test_the_fast_path_changes_neither_errors_nor_parsed_records(monkeypatch, deals):
    fast = _validate(deals)
    monkeypatch.setattr(scenario_deals, "fast_columns", _all_slow)
    assert fast == _validate(deals)


VALUES = [None, "", "  ", 7, 0, -1, 0.5, 1.5, True, [], {}, ["x"], {"a": 1}, "x" * 3, "S-1", "S-2", "S-404", "A-1",
          "A-404", "D-1", " D-1 ", "60000", " 12.50 ", "1e3", "NaN", "-Infinity", "sNaN", "1,5", "2027-01-15",
          "2027-02-30", "2027-W03-1", "20270115", "EUR", "eur", "closed_won", "closed_lost", "negotiation",
          "renewal", "gift", "commit", "omitted"]
SPLITS = [None, [], {}, "S-1", [{"seller": "S-1", "pct": 0.6}, {"seller": "S-2", "pct": 0.4}],
          [{"seller": "S-1", "pct": 60}, {"seller": "S-2", "pct": 50}], [{"seller": "S-1"}], [{"seller": "S-1", "pct": 0}],
          [{"seller": "S-1", "pct": "100", "x": 1}], [{"seller": "S-404", "pct": 10}], ["S-1"],
          [{"seller": "S-1", "pct": 0.5}, {"seller": "S-1", "pct": 0.5}]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(GOOD), st.sampled_from([*scenario_deals.KEYS, "colour"]),
                          st.sampled_from(VALUES), st.sampled_from(SPLITS), st.booleans()), max_size=12))
def test_mutated_records_give_the_same_errors_and_records_on_both_paths(monkeypatch, edits):
    deals = []
    for base, key, value, splits, drop in edits:
        rec = dict(base)
        if drop:
            rec.pop(key, None)
        else:
            rec[key] = splits if key == "splits" else value
        deals.append(rec)
    fast = _validate(deals)
    with monkeypatch.context() as m:
        m.setattr(scenario_deals, "fast_columns", _all_slow)
        assert fast == _validate(deals)


def test_plain_records_take_the_fast_path():
    columns, slow = scenario_deals.fast_columns(GOOD + BAD, {"S-1", "S-2", "S-9"}, {"A-1"}, ["new_logo", "renewal"],
                                                ["commit"])
    assert slow == [0, *range(len(GOOD), len(GOOD + BAD))]  # every bad record, and D-1 (repeated by BAD[1])
    assert columns.amount[1] == Decimal("1234.5") and columns.external_id[1] == "D-2"
    assert columns.splits[1] == (("S-1", Decimal("60.0")), ("S-2", Decimal("40.0")))
    assert columns.splits[2] == (("S-2", Decimal("50")),)
    assert columns.stage[3] == "closed_won" and columns.name[1] == "Initech" and columns.currency[0] is None
