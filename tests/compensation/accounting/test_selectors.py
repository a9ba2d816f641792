"""The journal on acme's approved January, hand-computed: the rep's D1 (24-month contract) earned
6,000.00 commission plus a 100.00 adjustment; the peer's D2 (12 months) earned 4,000.00."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from compensation.accounting.selectors import deal_schedules, journal_csv, journal_rows
from compensation.accounting.services import accounting_policy_set
from compensation.models import EarningLine, Statement
from performance.models import Opportunity, OpportunityEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def booked(acme):
    t = acme.tenant
    with tenant_atomic(t):
        Opportunity.objects.filter(pk=acme.deals["rep"].pk).update(contract_term_months=24)
        Opportunity.objects.filter(pk=acme.deals["peer"].pk).update(contract_term_months=12)
        for persona, total in (("rep", "6100.00"), ("peer", "4000.00")):
            Statement.objects.filter(pk=acme.statements[persona].pk).update(status="approved", total=D(total))
        for persona, amount in (("rep", "6000.00"), ("peer", "4000.00")):
            deal = acme.deals[persona]
            EarningLine.objects.create(tenant=t, statement=acme.statements[persona], seller=acme.sellers[persona],
                                       period="2027-01", component="New business", kind="commission", opportunity=deal,
                                       deal_external_id=deal.external_id, amount=D(amount), explanation="x")
        EarningLine.objects.create(tenant=t, statement=acme.statements["rep"], seller=acme.sellers["rep"], period="2027-01",
                                   component="Adjustment", kind="adjustment", amount=D("100.00"), explanation="x")
    return acme


def test_journal_capitalises_the_long_contract_and_ties_to_the_statements(booked):
    with tenant_atomic(booked.tenant):
        rows, totals = journal_rows(through="2027-02")
    jan, feb = rows
    assert (jan.capitalised, jan.amortisation, jan.expensed, jan.closing_balance) == (
        D("6000.00"), D("250.00"), D("4100.00"), D("5750.00"))
    assert jan.incurred == totals["2027-01"] == D("10100.00")
    assert (feb.opening_balance, feb.amortisation, feb.closing_balance) == (D("5750.00"), D("250.00"), D("5500.00"))
    text = journal_csv(rows, totals)
    first = next(csv.DictReader(io.StringIO(text)))
    assert first == {"period": "2027-01", "opening_balance": "0.00", "capitalised": "6000.00",
                     "amortisation_expense": "250.00", "expensed_as_incurred": "4100.00", "total_expense": "4350.00",
                     "closing_balance": "5750.00", "statements_total": "10100.00"}


def test_an_early_churn_expenses_the_remainder(booked):
    with tenant_atomic(booked.tenant):
        OpportunityEvent.objects.create(tenant=booked.tenant, opportunity=booked.deals["rep"], date=dt.date(2027, 3, 10))
        # a second event must neither move the churn month nor multiply the cost
        OpportunityEvent.objects.create(tenant=booked.tenant, opportunity=booked.deals["rep"], date=dt.date(2027, 6, 1))
        rows, _ = journal_rows(through="2027-04")
        schedule = [s for s in deal_schedules() if s.capitalised][0]
    assert schedule.rows == [("2027-01", D("250.00")), ("2027-02", D("250.00")), ("2027-03", D("5500.00"))]
    assert [(r.period, r.amortisation, r.closing_balance) for r in rows[2:]] == [
        ("2027-03", D("5500.00"), D("0.00")), ("2027-04", D("0.00"), D("0.00"))]


def test_the_expected_customer_life_replaces_the_term(booked):
    with tenant_atomic(booked.tenant):
        accounting_policy_set(expedient_months=12, expected_customer_life_months=60, actor=booked.users["finance"])
        rows, _ = journal_rows(through="2027-01")
    assert rows[0].amortisation == D("100.00")  # 6,000 / 60


def test_page_csv_and_api_are_for_finance(client, booked):
    client.force_login(booked.users["finance"])
    page = client.get(reverse("compensation:accounting", kwargs={"tenant": "acme"}))
    assert page.status_code == 200 and b"5,750.00" in page.content and b"acme-D1" in page.content
    text = client.get(reverse("compensation:accounting_journal", kwargs={"tenant": "acme"}), {"through": "2027-01"})
    assert text.content.decode().splitlines()[1].startswith("2027-01,0.00,6000.00,250.00,4100.00")
    api = client.get("/api/v1/t/acme/accounting/journal/", {"through": "2027-01"}).json()
    assert api[0]["closing_balance"] == "5750.00" and api[0]["statements_total"] == "10100.00"
    client.force_login(booked.users["rep"])
    assert client.get(reverse("compensation:accounting", kwargs={"tenant": "acme"})).status_code == 403
    assert client.get("/api/v1/t/acme/accounting/journal/").status_code == 403
