"""My approval steps: with acme's route manager → finance, the rep's manager finds the rep's statement
waiting for step 1 (not the peer's, from another team); finance finds it only after that step; a delegate
finds the steps of whom they act for; the page costs a fixed number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from compensation.models import Statement
from compensation.routing.services import approval_delegate_set, approval_route_set
from spm.tenancy.db import tenant_atomic
from tests.factories import SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(acme):
    with tenant_atomic(acme.tenant):
        approval_route_set(roles=["manager", "finance"], actor=acme.users["admin"])
    return acme


def page(client, world, persona):
    client.force_login(world.users[persona])
    response = client.get(reverse("compensation:my_steps", kwargs={"tenant": world.tenant.slug}))
    assert response.status_code == 200
    return response.content.decode().split('<div class="card flush">', 1)[1]  # the queue, not the flash messages


def test_the_manager_finds_their_teams_step_and_takes_it_there(client, routed):
    body = page(client, routed, "manager")
    assert "acme Rep" in body and "acme Peer" not in body and "1. manager" in body
    assert "acme Rep" not in page(client, routed, "finance")  # step 1 first
    client.force_login(routed.users["manager"])
    client.post(reverse("compensation:statement_step_approve", kwargs={"tenant": "acme", "pk": routed.statements["rep"].pk}))
    assert "acme Rep" not in page(client, routed, "manager")
    body = page(client, routed, "finance")
    assert "acme Rep" in body and "2. finance" in body


def test_a_delegate_finds_the_steps_of_whom_they_act_for(client, routed):
    with tenant_atomic(routed.tenant):
        approval_delegate_set(user=routed.users["manager"], delegate=routed.users["finance"],
                              starts=dt.date(2020, 1, 1), ends=None, actor=routed.users["admin"])
    body = page(client, routed, "finance")
    assert "acme Rep" in body and "manager@acme.test" in body and "acme Peer" not in body


def test_without_a_route_the_page_says_finance_approves_in_one_step(client, acme):
    assert "no approval route" in page(client, acme, "manager")


def test_the_page_query_count_does_not_grow_with_the_queue(client, routed, django_assert_max_num_queries):
    with tenant_atomic(routed.tenant):
        for i in range(20):
            seller = SellerFactory(tenant=routed.tenant, external_id=f"acme-s{i}", manager=routed.sellers["manager"])
            Statement.objects.create(seller=seller, period="2027-01", total=Decimal("10.00"), status="published")
    client.force_login(routed.users["manager"])
    with django_assert_max_num_queries(24):
        response = client.get(reverse("compensation:my_steps", kwargs={"tenant": "acme"}))
    assert response.content.decode().count("Approve my step</button>") == 21
