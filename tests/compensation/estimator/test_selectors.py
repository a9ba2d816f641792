"""The estimator, hand-computed on acme: the rep's Q1 quota is 100,000 and deal D1 (60,000, Jan 15)
has already closed, so the rep stands at 60 % of a marginal plan paying 10 % to 100 % and 15 % above."""

import datetime as dt
from decimal import Decimal

import pytest

from compensation.estimator.selectors import earnings_estimate
from spm.errors import DomainError
from spm.tenancy.db import tenant_atomic
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_deal(acme):
    return OpportunityFactory(tenant=acme.tenant, external_id="acme-D9", name="acme open deal", owner=acme.sellers["rep"],
                              amount=Decimal("50000.00"), stage="proposal", close_date=dt.date(2027, 2, 10))


def test_a_deal_crossing_quota_pays_both_bands(acme, open_deal):
    with tenant_atomic(acme.tenant):
        estimate = earnings_estimate(opportunity=open_deal)
    # 60 % → 110 %: 10 % × 40,000 + 15 % × 10,000 = 4,000 + 1,500
    assert estimate.earnings == Decimal("5500.00")
    assert estimate.month_change == Decimal("5500.00")
    assert (estimate.plan_currency, estimate.period, estimate.seller_id) == ("USD", "2027-02", acme.sellers["rep"].pk)
    assert [line["component"] for line in estimate.lines] == ["New business"]


def test_another_amount_and_date(acme, open_deal):
    with tenant_atomic(acme.tenant):
        smaller = earnings_estimate(opportunity=open_deal, amount="30000", close_date="2027-03-31")
        next_quarter = earnings_estimate(opportunity=open_deal, close_date=dt.date(2027, 4, 5))
    assert smaller.earnings == Decimal("3000.00")  # 60 % → 90 % at 10 %
    assert next_quarter.earnings == Decimal("0.00")  # no Q2 quota: nothing earned on the component


def test_nothing_is_written(acme, open_deal):
    from compensation.models import EarningLine, Statement

    with tenant_atomic(acme.tenant):
        before = (Statement.objects.count(), EarningLine.objects.count())
        earnings_estimate(opportunity=open_deal)
        assert (Statement.objects.count(), EarningLine.objects.count()) == before


@pytest.mark.parametrize("amount, date, field", [("-5", "2027-02-01", "amount"), ("abc", "2027-02-01", "amount"),
                                                  ("100", "02/01/2027", "close_date")])
def test_bad_input_names_the_field(acme, open_deal, amount, date, field):
    with tenant_atomic(acme.tenant), pytest.raises(DomainError) as error:
        earnings_estimate(opportunity=open_deal, amount=amount, close_date=date)
    assert error.value.field == field


def test_a_close_date_no_plan_covers_says_so(acme, open_deal):
    with tenant_atomic(acme.tenant):
        before_plan = earnings_estimate(opportunity=open_deal, close_date="2026-12-15")  # the plan starts 2027-01-01
        covered = earnings_estimate(opportunity=open_deal)
    assert before_plan.earnings == Decimal("0.00")
    assert before_plan.note.startswith("No comp plan covers") and "2026-12-15" in before_plan.note
    assert covered.note == ""
