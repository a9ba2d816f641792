from datetime import date

import pytest

from spm.fiscal import month_key, months_between, parse_period_key, quota_period_key


def test_month_key():
    assert month_key(date(2027, 3, 9)) == "2027-03"


def test_calendar_year_default():
    assert parse_period_key("2027", 1) == (date(2027, 1, 1), date(2027, 12, 31), "year")
    assert parse_period_key("2027-Q1", 1) == (date(2027, 1, 1), date(2027, 3, 31), "quarter")
    assert parse_period_key("2028-02", 1) == (date(2028, 2, 1), date(2028, 2, 29), "month")


def test_fiscal_year_starting_in_february():
    assert parse_period_key("2027", 2) == (date(2027, 2, 1), date(2028, 1, 31), "year")
    assert parse_period_key("2027-Q1", 2) == (date(2027, 2, 1), date(2027, 4, 30), "quarter")
    assert parse_period_key("2027-Q4", 2) == (date(2027, 11, 1), date(2028, 1, 31), "quarter")
    # January 2028 belongs to fiscal year 2027 (named by the year it starts in)
    assert quota_period_key(date(2028, 1, 15), "year", 2) == "2027"
    assert quota_period_key(date(2028, 1, 15), "quarter", 2) == "2027-Q4"
    assert quota_period_key(date(2027, 2, 1), "quarter", 2) == "2027-Q1"
    assert quota_period_key(date(2027, 1, 31), "quarter", 2) == "2026-Q4"
    assert quota_period_key(date(2027, 5, 1), "month", 2) == "2027-05"


@pytest.mark.parametrize("bad", ["2027-13", "2027-Q5", "27", "2027-1", "", "2027Q1", None])
def test_bad_period_keys(bad):
    with pytest.raises(ValueError, match="invalid period key|invalid month key"):
        parse_period_key(bad, 1)


def test_months_between():
    assert months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months_between("2027-03", "2027-02") == []
    with pytest.raises(ValueError):
        months_between("2027-3", "2027-04")
