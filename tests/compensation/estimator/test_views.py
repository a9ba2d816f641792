"""The estimator on its page, the deal page fragment, the rep dashboard fragment and the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def url(name, world, **kw):
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kw})


@pytest.fixture
def open_deal(acme):
    return OpportunityFactory(tenant=acme.tenant, external_id="acme-D9", name="acme open deal", owner=acme.sellers["rep"],
                              amount=Decimal("50000.00"), stage="proposal", close_date=dt.date(2027, 2, 10))


def test_the_deal_page_loads_the_estimate(client, acme, open_deal):
    client.force_login(acme.users["rep"])
    deal_page = client.get(reverse("performance:deal_detail", kwargs={"tenant": "acme", "pk": open_deal.pk}))
    assert url("compensation:estimate_deal", acme, pk=open_deal.pk).encode() in deal_page.content
    fragment = client.get(url("compensation:estimate_deal", acme, pk=open_deal.pk))
    assert fragment.status_code == 200
    assert b'data-testid="estimate-amount">USD 5,500.00' in fragment.content


def test_the_estimator_page_takes_another_amount_and_date(client, acme, open_deal):
    client.force_login(acme.users["rep"])
    page = client.get(url("compensation:estimate", acme), {"deal": open_deal.pk, "amount": "30000", "close_date": "2027-03-31"})
    assert page.status_code == 200 and b"USD 3,000.00" in page.content
    bad = client.get(url("compensation:estimate", acme), {"deal": open_deal.pk, "amount": "-1", "close_date": "2027-03-31"})
    assert bad.status_code == 200 and b"errorlist" in bad.content


def test_the_rep_dashboard_fragment_lists_open_deals(client, acme, open_deal, django_assert_max_num_queries):
    client.force_login(acme.users["rep"])
    with django_assert_max_num_queries(40):
        page = client.get(url("compensation:estimate_mine", acme))
    assert b"acme open deal" in page.content and b"USD 5,500.00" in page.content


def test_a_closed_deal_or_someone_elses_pay_is_not_estimated(client, acme, open_deal):
    client.force_login(acme.users["rep"])
    closed = client.get(url("compensation:estimate_deal", acme, pk=acme.deals["rep"].pk))
    assert b"estimates are for open deals" in closed.content
    # a peer's deal is not visible to the rep at all
    assert client.get(url("compensation:estimate_deal", acme, pk=acme.deals["peer"].pk)).status_code == 404


def test_api_estimate(client, acme, open_deal):
    client.force_login(acme.users["rep"])
    base = f"/api/v1/t/{acme.tenant.slug}/estimate/"
    data = client.get(base, {"deal": open_deal.pk, "amount": "50000", "close_date": "2027-02-10"}).json()
    assert (data["earnings"], data["period"], data["plan_currency"]) == ("5500.00", "2027-02", "USD")
    assert client.get(base, {"deal": acme.deals["rep"].pk}).status_code == 409
    assert client.get(base, {"deal": 999999}).status_code == 404
    assert client.get(base, {"deal": open_deal.pk, "amount": "x"}).status_code == 400
