"""Mark paid: one approved statement from its page, or every approved statement of a month.

Finance and admin may; the fixtures' statements are published, so tests approve them first.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from compensation.models import Statement
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def url(name: str, world, **kwargs) -> str:
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kwargs})


def approve(world, *personas) -> None:
    with tenant_atomic(world.tenant):
        Statement.objects.filter(pk__in=[world.statements[p].pk for p in personas]).update(status=Statement.Status.APPROVED)


def statuses(world) -> dict[str, str]:
    with tenant_atomic(world.tenant):
        by_pk = dict(Statement.objects.values_list("pk", "status"))
    return {p: by_pk[s.pk] for p, s in world.statements.items()}


@pytest.mark.parametrize("persona", ["finance", "admin"])
def test_finance_and_admin_mark_an_approved_statement_paid(client, acme, persona):
    approve(acme, "rep")
    statement = acme.statements["rep"]
    client.force_login(acme.users[persona])
    page = client.get(url("compensation:statement_detail", acme, pk=statement.pk)).content.decode()
    assert "Mark paid</button>" in page
    response = client.post(url("compensation:statement_mark_paid", acme, pk=statement.pk), follow=True)
    content = response.content.decode()
    assert f"Marked {statement} paid." in content
    assert '<span class="badge paid" data-testid="status">Paid</span>' in content
    assert "Mark paid</button>" not in content
    assert statuses(acme)["rep"] == "paid"
    with tenant_atomic(acme.tenant):
        event = AuditEvent.objects.get(action="statement.pay", object_id=str(statement.pk))
    assert (event.before["status"], event.after["status"], event.actor) == ("approved", "paid", acme.users[persona])


def test_a_published_statement_cannot_be_paid(client, acme):
    client.force_login(acme.users["finance"])
    page = client.get(url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk)).content.decode()
    assert "Mark paid</button>" not in page
    response = client.post(url("compensation:statement_mark_paid", acme, pk=acme.statements["rep"].pk), follow=True)
    assert "only an approved one can be paid" in response.content.decode()
    assert statuses(acme)["rep"] == "published"


@pytest.mark.parametrize("persona", ["rep", "manager", "revops", "executive"])
def test_other_roles_get_403(client, acme, persona):
    approve(acme, "rep")
    client.force_login(acme.users[persona])
    assert client.post(url("compensation:statement_mark_paid", acme, pk=acme.statements["rep"].pk)).status_code == 403
    assert statuses(acme)["rep"] == "approved"


def test_another_tenants_statement_is_404(client, acme, globex):
    approve(globex, "rep")
    client.force_login(acme.users["finance"])
    assert client.post(url("compensation:statement_mark_paid", acme, pk=globex.statements["rep"].pk)).status_code == 404
    assert statuses(globex)["rep"] == "approved"


def test_the_approvals_page_pays_every_approved_statement_of_a_period(client, acme, globex):
    approve(acme, "rep", "peer")
    approve(globex, "rep")
    client.force_login(acme.users["finance"])
    page = client.get(url("compensation:approvals", acme)).content.decode()
    assert "Mark approved statements of 2027-01 paid" in page
    assert "USD 12,000.00" in page  # 2 × 6,000.00, exact to the cent
    response = client.post(url("compensation:approvals", acme), {"action": "pay_period", "period": "2027-01"}, follow=True)
    content = response.content.decode()
    assert "Marked 2 approved statements of 2027-01 paid." in content
    assert "No approved statement is waiting for payment." in content
    assert statuses(acme) == {"rep": "paid", "peer": "paid"}
    assert statuses(globex)["rep"] == "approved"  # the other tenant's month is untouched
    with tenant_atomic(acme.tenant):
        assert AuditEvent.objects.filter(action="statement.pay").count() == 2


def test_bulk_pay_leaves_unapproved_statements_alone(client, acme):
    approve(acme, "rep")
    client.force_login(acme.users["admin"])
    response = client.post(url("compensation:approvals", acme), {"action": "pay_period", "period": "2027-01"}, follow=True)
    assert "Marked 1 approved statement of 2027-01 paid." in response.content.decode()
    assert statuses(acme) == {"rep": "paid", "peer": "published"}


def test_bulk_pay_of_an_empty_or_bad_period_says_so(client, acme):
    client.force_login(acme.users["finance"])
    response = client.post(url("compensation:approvals", acme), {"action": "pay_period", "period": "2027-02"}, follow=True)
    assert "There was no approved statement to mark paid in 2027-02." in response.content.decode()
    response = client.post(url("compensation:approvals", acme), {"action": "pay_period", "period": "2027-13"}, follow=True)
    assert "Choose a month like 2027-01" in response.content.decode()
