"""Adjustments from the statement page: who may add them, errors on the form, the recalculate offer.

Personas (tests/factories.py): finance, revops and admin may adjust; rep, manager and executive
may not. The fixtures' statements are published in 2027-01 and prepared by revops.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compensation.models import Adjustment, CalculationRun, EarningLine, Statement
from spm.models import AuditEvent, Period
from spm.templatetags.money import money, pct
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def url(name: str, world, **kwargs) -> str:
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kwargs})


def adjustments(world) -> list[Adjustment]:
    with tenant_atomic(world.tenant):
        return list(Adjustment.objects.order_by("id"))


def post_adjustment(client, world, persona, statement="rep", **data):
    client.force_login(world.users[persona])
    data = {"amount": "250.00", "reason": "Missed split on D1", **data}
    return client.post(url("compensation:statement_adjust", world, pk=world.statements[statement].pk), data)


@pytest.mark.parametrize("persona", ["finance", "revops", "admin"])
def test_the_adjusting_roles_see_the_form(client, acme, persona):
    client.force_login(acme.users[persona])
    content = client.get(url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk)).content.decode()
    assert "Add adjustment</button>" in content
    assert "cannot approve it" in content  # the segregation-of-duties hint


@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_others_do_not_see_the_form(client, acme, persona):
    client.force_login(acme.users[persona])
    content = client.get(url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk)).content.decode()
    assert "Add adjustment</button>" not in content


def test_finance_adds_an_adjustment_and_is_offered_a_recalculation(client, acme):
    response = post_adjustment(client, acme, "finance")
    assert response.status_code == 302
    [adjustment] = adjustments(acme)
    assert (adjustment.seller_id, adjustment.period, adjustment.amount) == (acme.sellers["rep"].pk, "2027-01", Decimal("250.00"))
    assert adjustment.created_by == acme.users["finance"]
    page = client.get(response["Location"]).content.decode()
    assert "USD 250.00 added" in page and "next calculation of 2027-01" in page
    assert "Pending: next calculation" in page
    assert "You adjusted this statement, so you cannot approve it." in page
    assert "Recalculate 2027-01" not in page  # finance may not run calculations
    with tenant_atomic(acme.tenant):
        assert AuditEvent.objects.filter(action="adjustment.create", object_id=str(adjustment.pk)).exists()


def test_revops_recalculates_the_month_from_the_statement(client, acme):
    post_adjustment(client, acme, "revops")
    page = client.get(url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk)).content.decode()
    assert "Recalculate 2027-01</button>" in page
    response = client.post(url("compensation:statement_recalculate", acme, pk=acme.statements["rep"].pk))
    with tenant_atomic(acme.tenant):
        run = CalculationRun.objects.get()
    assert (run.period_from, run.period_through, run.requested_by) == ("2027-01", "2027-01", acme.users["revops"])
    assert response["Location"] == url("compensation:run_detail", acme, pk=run.pk)


def test_finance_may_not_recalculate(client, acme):
    client.force_login(acme.users["finance"])
    assert client.post(url("compensation:statement_recalculate", acme, pk=acme.statements["rep"].pk)).status_code == 403


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"amount": "abc"}, "Enter a number."),
        ({"amount": "1.234"}, "Ensure that there are no more than 2 decimal places."),
        ({"amount": "0"}, "An adjustment of zero changes nothing."),
        ({"reason": "   "}, "This field is required."),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(client, acme, data, error):
    response = post_adjustment(client, acme, "finance", **data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert adjustments(acme) == []


def test_a_closed_period_is_refused_on_the_form(client, acme):
    with tenant_atomic(acme.tenant):
        Period.objects.create(key="2027-01", start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 31), status="closed")
    response = post_adjustment(client, acme, "finance")
    assert response.status_code == 200
    assert "Period 2027-01 is closed" in response.content.decode()
    assert adjustments(acme) == []
    page = client.get(url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk)).content.decode()
    assert "2027-01 is closed" in page and "Add adjustment</button>" not in page


def test_an_approved_statement_takes_no_adjustment_of_its_month(client, acme):
    with tenant_atomic(acme.tenant):
        Statement.objects.filter(pk=acme.statements["rep"].pk).update(status=Statement.Status.APPROVED)
    response = post_adjustment(client, acme, "finance")
    assert response.status_code == 200
    assert "would never be paid" in response.content.decode()
    assert adjustments(acme) == []


def test_a_rep_posting_an_adjustment_gets_403(client, acme):
    assert post_adjustment(client, acme, "rep").status_code == 403
    assert adjustments(acme) == []


def test_another_tenants_statement_is_404(client, acme, globex):
    client.force_login(acme.users["finance"])
    response = client.post(url("compensation:statement_adjust", acme, pk=globex.statements["rep"].pk),
                           {"amount": "10", "reason": "x"})
    assert response.status_code == 404
    client.force_login(acme.users["revops"])
    assert client.post(url("compensation:statement_recalculate", acme, pk=globex.statements["rep"].pk)).status_code == 404
    assert adjustments(acme) == [] and adjustments(globex) == []


def test_the_page_lists_adjustments_on_the_statement_and_pending(client, acme):
    statement = acme.statements["rep"]
    with tenant_atomic(acme.tenant):
        done = Adjustment.objects.create(seller=statement.seller, period="2027-01", amount=Decimal("-75.50"),
                                         reason="Returned deal", created_by=acme.users["revops"])
        EarningLine.objects.create(statement=statement, seller=statement.seller, period="2027-01", position=9,
                                   component="Adjustment", kind="adjustment", adjustment=done, amount=done.amount,
                                   explanation="Returned deal")
        Adjustment.objects.create(seller=statement.seller, period="2027-01", amount=Decimal("1234.5"),
                                  reason="Spiff", created_by=acme.users["admin"])
        Adjustment.objects.create(seller=statement.seller, period="2027-02", amount=Decimal("9"), reason="Next month")
    client.force_login(acme.users["finance"])
    content = client.get(url("compensation:statement_detail", acme, pk=statement.pk)).content.decode()
    assert "Returned deal" in content and "-75.50" in content and "On this statement" in content
    assert "Spiff" in content and "1,234.50" in content and "Pending: next calculation" in content
    assert "Next month" not in content


def test_the_adjuster_cannot_approve_and_the_page_says_why(client, acme):
    statement = acme.statements["rep"]
    with tenant_atomic(acme.tenant):
        adjustment = Adjustment.objects.create(seller=statement.seller, period="2027-01", amount=Decimal("10"),
                                               reason="x", created_by=acme.users["finance"])
        EarningLine.objects.create(statement=statement, seller=statement.seller, period="2027-01", position=5,
                                   component="Adjustment", kind="adjustment", adjustment=adjustment,
                                   amount=Decimal("10"), explanation="x")
    client.force_login(acme.users["finance"])
    content = client.get(url("compensation:statement_detail", acme, pk=statement.pk)).content.decode()
    assert "You created an adjustment on this statement" in content
    assert "Approve</button>" not in content
    client.force_login(acme.users["admin"])
    assert "Approve</button>" in client.get(url("compensation:statement_detail", acme, pk=statement.pk)).content.decode()


# --- the money filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.5"), "1,234.50"), (Decimal("1234.505"), "1,234.51"), (Decimal("-1234.5"), "-1,234.50"),
        (Decimal("0.005"), "0.01"), (Decimal("-0.004"), "0.00"), (1234567, "1,234,567.00"), ("12.345", "12.35"),
        (2.675, "2.68"), (Decimal("999999999999.995"), "1,000,000,000,000.00"), (None, ""), ("n/a", ""),
    ],
)
def test_money_rounds_half_up_to_the_cent(value, expected):
    assert money(value) == expected


def test_money_with_a_currency_and_pct():
    assert money(Decimal("1234.5"), "USD") == "USD 1,234.50"
    assert money(Decimal("-3"), "eur") == "EUR -3.00"
    assert (pct(Decimal("0.625")), pct(1), pct(Decimal("0.3333")), pct("0.125", "-2"), pct(Decimal("0.625"), 2)) == (
        "62.5%", "100%", "33.3%", "12.5%", "62.50%")
    assert pct(None) == ""


def test_the_filters_load_in_templates():
    out = Template('{% load money %}{{ v|money }} {{ v|money:"USD" }} {{ f|pct }}').render(
        Context({"v": Decimal("6000"), "f": Decimal("0.6")}))
    assert out == "6,000.00 USD 6,000.00 60%"


def test_the_statement_page_stays_bounded_with_many_adjustments(client, acme, django_assert_max_num_queries):
    statement = acme.statements["rep"]
    client.force_login(acme.users["finance"])
    path = url("compensation:statement_detail", acme, pk=statement.pk)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    with tenant_atomic(acme.tenant):
        for i in range(20):
            Adjustment.objects.create(seller=statement.seller, period="2027-01", amount=Decimal(i), reason=f"r{i}",
                                      created_by=acme.users["revops" if i % 2 else "admin"])
    with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200
    assert len(many) <= len(few)
