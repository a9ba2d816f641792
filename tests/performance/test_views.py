"""Perform pages: deals, with the visibility rule."""

from __future__ import annotations

import pytest

from tests.helpers import get_as, url

pytestmark = pytest.mark.django_db



@pytest.mark.parametrize(
    ("persona", "owner", "status"),
    [("rep", "rep", 200), ("rep", "peer", 404), ("manager", "rep", 200), ("manager", "peer", 404), ("revops", "peer", 200)],
)
def test_deal_detail_follows_the_visibility_rule(client, acme, persona, owner, status):
    response = get_as(client, acme, persona, url("performance:deal_detail", acme, pk=acme.deals[owner].pk))
    assert response.status_code == status


def test_deal_search_and_stage_filter(client, acme):
    client.force_login(acme.users["revops"])
    content = client.get(url("performance:deals", acme), {"q": "rep deal"}).content.decode()
    assert "acme rep deal" in content and "acme peer deal" not in content
    content = client.get(url("performance:deals", acme), {"stage": "closed_lost"}).content.decode()
    assert "No deals match" in content


def test_deals_add_up_in_the_tenant_currency_and_open_ones_come_soonest_first(client, acme):
    import datetime as dt
    from decimal import Decimal

    from spm.models import FxRate
    from spm.tenancy.db import tenant_atomic
    from tests.factories import OpportunityFactory

    with tenant_atomic(acme.tenant):
        FxRate.objects.create(currency="EUR", rate_to_base=Decimal("1.10"), effective_from=dt.date(2027, 1, 1))
    for name, close, amount, currency in (("later", dt.date(2027, 6, 1), "500", "USD"),
                                          ("sooner", dt.date(2027, 2, 1), "1000", "EUR")):
        OpportunityFactory(tenant=acme.tenant, name=f"acme {name}", owner=acme.sellers["rep"], stage="negotiation",
                           close_date=close, amount=Decimal(amount), currency=currency)
    client.force_login(acme.users["revops"])
    closed = client.get(url("performance:deals", acme)).content.decode()
    assert 'data-testid="deal-total">USD 100,000<' in closed  # the two won deals, 60,000 + 40,000
    assert "acme sooner" not in closed  # closed deals by default
    opened = client.get(url("performance:deals", acme), {"state": "open"}).content.decode()
    assert opened.index("acme sooner") < opened.index("acme later")
    assert "USD 1,100" in opened and "EUR 1,000" in opened  # converted, the original beside
    assert 'data-testid="deal-total">USD 1,600<' in opened
