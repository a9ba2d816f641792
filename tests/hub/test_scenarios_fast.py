"""The fast path of deal validation parses a plain record exactly as the full checks do, and hands
every record it cannot vouch for to them: the errors and the parsed records are the same either way."""

from decimal import Decimal

import pytest

from spm.hub import scenarios

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


@pytest.mark.parametrize("deals", [GOOD, BAD, GOOD + BAD, BAD[::-1] + GOOD])
def test_the_fast_path_changes_neither_errors_nor_parsed_records(monkeypatch, deals):
    fast = _validate(deals)
    monkeypatch.setattr(scenarios._FastDeals, "parse", lambda self, rec: None)  # every record takes the full checks
    assert fast == _validate(deals)


def test_plain_records_take_the_fast_path():
    fast = scenarios._FastDeals({"S-1", "S-2"}, {"A-1"}, ["new_logo", "renewal"], ["commit"])
    assert fast.parse(GOOD[0])["amount"] == Decimal("60000")
    assert fast.parse(GOOD[2])["splits"] == [("S-2", Decimal("50"))]
    assert all(fast.parse(rec) is None for rec in BAD if rec is not BAD[1])  # the repeated id is caught by _validate
