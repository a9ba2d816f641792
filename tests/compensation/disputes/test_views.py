"""Dispute pages and API: the rep opens one from the statement page, finance works the queue."""

from decimal import Decimal

import pytest
from django.urls import reverse

from compensation.disputes.models import Dispute
from compensation.models import EarningLine
from spm.tenancy.db import tenant_atomic
from tests.factories import complete_tenant

pytestmark = pytest.mark.django_db


def url(name, world, **kw):
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kw})


@pytest.fixture
def world(acme):
    return complete_tenant(acme)


def test_the_rep_opens_a_dispute_on_a_line_from_the_statement_page(client, world):
    client.force_login(world.users["rep"])
    statement = world.statements["rep"]
    page = client.get(url("compensation:statement_detail", world, pk=statement.pk))
    assert b"Dispute a line" in page.content and b'data-testid="breakdown"' in page.content
    with tenant_atomic(world.tenant):
        line = EarningLine.objects.filter(statement=statement, kind="commission").first()
    response = client.post(url("compensation:dispute_open", world, pk=statement.pk),
                           {"line": line.pk, "amount": "120.00", "reason": "Split missing"})
    assert response.status_code == 302
    with tenant_atomic(world.tenant):
        dispute = Dispute.objects.order_by("-id").first()
    assert (dispute.line, dispute.amount, dispute.line_amount) == (line, Decimal("120.00"), Decimal("5900.00"))
    assert response["Location"] == url("compensation:dispute_detail", world, pk=dispute.pk)


def test_finance_rejects_from_the_dispute_page_and_the_rep_sees_it(client, world):
    dispute = world.dispute
    client.force_login(world.users["finance"])
    queue = client.get(url("compensation:disputes", world))
    assert queue.status_code == 200 and f"#{dispute.pk}".encode() in queue.content
    page = client.get(url("compensation:dispute_detail", world, pk=dispute.pk))
    assert b"Accept dispute" in page.content and b"acme looking into it" in page.content
    client.post(url("compensation:dispute_reject", world, pk=dispute.pk), {"reason": "Split is right"})
    client.force_login(world.users["rep"])
    page = client.get(url("compensation:dispute_detail", world, pk=dispute.pk))
    assert b"Rejected" in page.content and b"Split is right" in page.content and b"Accept dispute" not in page.content


def test_a_peer_and_a_rep_action_are_refused(client, world):
    client.force_login(world.users["peer"])
    assert client.get(url("compensation:dispute_detail", world, pk=world.dispute.pk)).status_code == 404
    client.force_login(world.users["rep"])
    assert client.post(url("compensation:dispute_accept", world, pk=world.dispute.pk)).status_code == 403


def test_queue_query_count_is_bounded(client, world, django_assert_max_num_queries):
    client.force_login(world.users["finance"])
    with django_assert_max_num_queries(12):
        assert client.get(url("compensation:disputes", world), {"status": "all"}).status_code == 200


def test_api_open_comment_accept(client, world, django_capture_on_commit_callbacks):
    base = f"/api/v1/t/{world.tenant.slug}/disputes/"
    client.force_login(world.users["rep"])
    created = client.post(base, {"statement": world.statements["rep"].pk, "amount": "75.00", "reason": "rate"},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    other = client.post(base, {"statement": world.statements["peer"].pk, "amount": "75.00", "reason": "x"},
                        content_type="application/json")
    assert other.status_code == 400  # the peer's statement is not the rep's to name
    assert client.post(f"{base}{pk}/comments/", {"body": "see attached"}, content_type="application/json").status_code == 201
    assert client.post(f"{base}{pk}/accept/", {}, content_type="application/json").status_code == 403
    client.force_login(world.users["finance"])
    detail = client.get(f"{base}{pk}/").json()
    assert [c["body"] for c in detail["comments"]] == ["see attached"]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(f"{base}{pk}/accept/", {"resolution": "ok"}, content_type="application/json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["adjustment"] is not None
    again = client.post(f"{base}{pk}/reject/", {"reason": "no"}, content_type="application/json")
    assert again.status_code == 409


def test_a_dispute_on_an_approved_statement_suggests_the_next_open_month(client, world):
    """Approved and paid statements are never rewritten, so accepting into the statement's own month
    is refused: the accept form proposes the first month that can take the adjustment instead of
    leaving finance to find it by trial and error (January approved, February closed → March)."""
    from compensation.models import Statement
    from spm.models import Period

    with tenant_atomic(world.tenant):
        Statement.objects.filter(pk=world.dispute.statement_id).update(status="approved")
        Period.objects.update_or_create(key="2027-02", defaults={
            "kind": "month", "start": "2027-02-01", "end": "2027-02-28", "status": "closed"})
    client.force_login(world.users["finance"])
    html = client.get(url("compensation:dispute_detail", world, pk=world.dispute.pk)).content.decode()
    assert 'name="period" value="2027-03"' in html
    with tenant_atomic(world.tenant):
        Statement.objects.filter(pk=world.dispute.statement_id).update(status="published")
    html = client.get(url("compensation:dispute_detail", world, pk=world.dispute.pk)).content.decode()
    assert 'name="period" value=' not in html  # an open statement takes it in its own month (the default)
