"""A rep opens their own plan (it answered 403 before) and accepts it; RevOps lists the rest."""

import pytest
from django.urls import reverse

from compensation.models import CompPlan, PlanAcceptance
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def url(name, world, **kw):
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kw})


def test_a_rep_reads_their_plan_and_accepts_it(client, acme):
    client.force_login(acme.users["rep"])
    page = client.get(url("compensation:plan_detail", acme, pk=acme.plan.pk))
    assert page.status_code == 200
    assert b"Accept AE Plan v1" in page.content
    response = client.post(url("compensation:plan_accept", acme, pk=acme.plan.pk))
    assert response.status_code == 302
    page = client.get(url("compensation:plan_detail", acme, pk=acme.plan.pk))
    assert b'data-testid="accepted"' in page.content and b"Accepted v1" in page.content
    with tenant_atomic(acme.tenant):
        assert PlanAcceptance.objects.get().accepted_by == acme.users["rep"]


def test_a_rep_cannot_read_a_plan_not_assigned_to_them(client, acme, globex):
    with tenant_atomic(acme.tenant):
        other = CompPlan.objects.create(name="Secret", version=1, document=acme.plan.document, tenant=acme.tenant)
    client.force_login(acme.users["rep"])
    assert client.get(url("compensation:plan_detail", acme, pk=other.pk)).status_code == 404
    assert client.get(url("compensation:plan_detail", acme, pk=globex.plan.pk)).status_code == 404


def test_revops_sees_the_unaccepted_list_and_a_rep_does_not(client, acme, django_assert_max_num_queries):
    client.force_login(acme.users["revops"])
    with django_assert_max_num_queries(12):
        page = client.get(url("compensation:plan_acceptance", acme))
    assert page.status_code == 200 and b"acme Rep" in page.content and b"acme Peer" in page.content
    client.force_login(acme.users["rep"])
    assert client.get(url("compensation:plan_acceptance", acme)).status_code == 403


def test_api_accept_and_unaccepted(client, acme):
    client.force_login(acme.users["rep"])
    base = f"/api/v1/t/{acme.tenant.slug}/plan-acceptances/"
    response = client.post(base, {"plan": acme.plan.pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()[0]["version"] == 1 and response.json()[0]["accepted_by"] == "rep@acme.test"
    assert client.get(base + "unaccepted/").status_code == 403
    client.force_login(acme.users["revops"])
    rows = client.get(base + "unaccepted/").json()["results"]
    assert [r["seller_name"] for r in rows] == ["acme Peer"]
