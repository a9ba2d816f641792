"""The approvals page with batch totals and flags; the payroll page, batch CSV and API."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from compensation.models import Statement
from spm.tenancy.db import tenant_atomic
from tests.compensation.payroll.test_selectors import queue  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def url(name, world, **kw):
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kw})


def test_approvals_show_batch_total_change_and_flags_and_hide_zero(client, queue, django_assert_max_num_queries):  # noqa: F811
    client.force_login(queue.users["finance"])
    with django_assert_max_num_queries(25):
        page = client.get(url("compensation:approvals", queue))
    html = page.content.decode()
    assert 'data-testid="batch-2027-01-USD"><strong>USD 6,000.00' in html
    assert "500.0%" in html and "negative adjustment -50.00" in html
    assert "acme Peer" not in html  # the zero statement is hidden by default
    assert "acme Peer" in client.get(url("compensation:approvals", queue), {"zero": "1"}).content.decode()


def test_payroll_page_exports_a_batch_that_ties_to_the_cent(client, acme):
    with tenant_atomic(acme.tenant):
        Statement.objects.filter(period="2027-01").update(status="approved")
    client.force_login(acme.users["finance"])
    page = client.get(url("compensation:payroll", acme))
    assert b'data-testid="payable-2027-01-USD">USD 12,000.00' in page.content
    response = client.post(url("compensation:payroll", acme), {"period": "2027-01", "currency": "USD"})
    assert response.status_code == 302
    batch_page = client.get(response["Location"])
    assert b'data-testid="batch-total">USD 12,000.00' in batch_page.content
    batch_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    text = client.get(url("compensation:payroll_batch_csv", acme, pk=batch_id)).content.decode()
    assert sum(Decimal(r["amount"]) for r in csv.DictReader(io.StringIO(text))) == Decimal("12000.00")
    with tenant_atomic(acme.tenant):
        assert set(Statement.objects.filter(period="2027-01").values_list("status", flat=True)) == {"paid"}


def test_payroll_is_for_finance_only(client, acme):
    for persona in ("rep", "revops", "executive"):
        client.force_login(acme.users[persona])
        assert client.get(url("compensation:payroll", acme)).status_code == 403


def test_api_creates_and_exports_batches(client, acme, django_assert_max_num_queries):
    with tenant_atomic(acme.tenant):
        Statement.objects.filter(period="2027-01").update(status="approved")
    base = f"/api/v1/t/{acme.tenant.slug}/payroll-batches/"
    client.force_login(acme.users["revops"])
    assert client.post(base, {"period": "2027-01"}, content_type="application/json").status_code == 403
    client.force_login(acme.users["finance"])
    created = client.post(base, {"period": "2027-01"}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["total"], body["statement_count"], len(body["items"])) == ("12000.00", 2, 2)
    assert client.post(base, {"period": "2027-01"}, content_type="application/json").status_code == 409
    with django_assert_max_num_queries(10):
        listed = client.get(base).json()
    assert [b["id"] for b in listed["results"]] == [body["id"]]
    exported = client.get(f"{base}{body['id']}/csv/")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")


def test_an_export_confirmed_for_what_the_page_showed_refuses_a_batch_that_grew_since(client, acme):
    """The page said "1 statement · USD 6,000.00"; someone approved another before the click, and the
    export paid 2 statements, 12,000.00, without a word. The form carries what was shown; a batch that
    differs is refused with both figures, and nothing is paid."""
    rep, peer = acme.statements["rep"], acme.statements["peer"]
    with tenant_atomic(acme.tenant):
        Statement.objects.filter(pk=rep.pk).update(status="approved")
    client.force_login(acme.users["finance"])
    page = client.get(url("compensation:payroll", acme)).content.decode()
    shown = dict(re.findall(r'name="(expected_count|expected_total)" value="([^"]*)"', page))
    assert (int(shown["expected_count"]), Decimal(shown["expected_total"])) == (1, Decimal("6000.00"))
    with tenant_atomic(acme.tenant):
        Statement.objects.filter(pk=peer.pk).update(status="approved")
    response = client.post(url("compensation:payroll", acme), {"period": "2027-01", "currency": "USD",
                                                               "expected_count": "1", "expected_total": "6000.00"},
                           follow=True)
    body = response.content.decode()
    assert "2 statements" in body and "12,000.00" in body and "6,000.00" in body
    with tenant_atomic(acme.tenant):
        assert set(Statement.objects.filter(period="2027-01").values_list("status", flat=True)) == {"approved"}
    response = client.post(url("compensation:payroll", acme), {"period": "2027-01", "currency": "USD",
                                                               "expected_count": "2", "expected_total": "12000.00"})
    assert response.status_code == 302
    with tenant_atomic(acme.tenant):
        assert set(Statement.objects.filter(period="2027-01").values_list("status", flat=True)) == {"paid"}
