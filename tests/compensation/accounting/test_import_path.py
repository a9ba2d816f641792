"""ASC 340-40 end to end from a CRM file: the term arrives through the generic opportunity import, the
engine calculates, finance approves, and the journal capitalises what it must. Hand-computed:

acme's AE plan pays 10 % up to a 100,000 quarterly quota. The rep's D1 (60,000, 36-month contract) earns
6,000.00 → capitalised, amortised 6,000.00 / 36 = 166.666… → 166.66 a month for 35 months (5,833.10) and
166.90 in the 36th (2029-12), which absorbs the rounding. The peer's D2 (40,000, 12 months) earns
4,000.00 → expensed when incurred (the practical expedient).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from compensation.accounting.selectors import deal_schedules, journal_rows
from compensation.models import Statement
from planning.models import Seller
from spm.hub.imports import import_opportunities_file
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db
D = Decimal

CRM = """external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed,Contract Term
acme-D1,,rep@acme.test,closed_won,60000,USD,2026-11-01,2027-01-15,true,true,36
acme-D2,,peer@acme.test,closed_won,40000,USD,2026-11-01,2027-01-15,true,true,12
"""


@pytest.fixture
def imported(acme, calculate):
    with tenant_atomic(acme.tenant):
        for persona in ("rep", "peer"):
            Seller.objects.filter(pk=acme.sellers[persona].pk).update(email=f"{persona}@acme.test")
    mapping = {c: c for c in CRM.splitlines()[0].split(",")[:-1]} | {"contract_term_months": "Contract Term"}
    outcome = import_opportunities_file(data=CRM.encode(), file="crm.csv", tenant_slug="acme", mapping=mapping)
    assert outcome.ok and outcome.report.updated == 2, outcome.errors
    run = calculate(acme.tenant, through="2027-01")
    assert run.status == "succeeded", run.message
    with tenant_atomic(acme.tenant):
        Statement.objects.filter(period="2027-01").update(status=Statement.Status.APPROVED)
    return acme


def test_the_36_month_deal_is_capitalised_and_amortised_to_the_cent(imported):
    with tenant_atomic(imported.tenant):
        schedules = {s.deal: s for s in deal_schedules()}
        rows, totals = journal_rows(through="2027-02")
    long = schedules["acme-D1"]
    assert (long.capitalised, long.amount, long.months) == (True, D("6000.00"), 36)
    assert long.rows[0] == ("2027-01", D("166.66")) and long.rows[34] == ("2029-11", D("166.66"))
    assert long.rows[-1] == ("2029-12", D("166.90")) and len(long.rows) == 36
    assert sum(a for _, a in long.rows) == D("6000.00")
    jan, feb = rows
    assert (jan.capitalised, jan.amortisation, jan.expensed, jan.closing_balance) == (
        D("6000.00"), D("166.66"), D("4000.00"), D("5833.34"))
    assert totals["2027-01"] == D("10000.00") == jan.capitalised + jan.expensed
    assert (feb.amortisation, feb.closing_balance) == (D("166.66"), D("5666.68"))


def test_the_12_month_deal_is_expensed(imported):
    with tenant_atomic(imported.tenant):
        short = {s.deal: s for s in deal_schedules()}["acme-D2"]
    assert (short.capitalised, short.amount, short.rows) == (False, D("4000.00"), [("2027-01", D("4000.00"))])
