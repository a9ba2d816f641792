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


def test_the_stage_filter_offers_configured_stages_then_any_other_a_deal_carries_of_this_tenant_only(client, acme, globex):
    from performance.models import Opportunity, PipelineStage
    from performance.selectors import stage_names
    from spm.tenancy.db import tenant_atomic
    from tests.factories import OpportunityFactory

    OpportunityFactory(tenant=acme.tenant, owner=acme.sellers["rep"], stage="zz legacy", close_date=None)
    OpportunityFactory(tenant=acme.tenant, owner=acme.sellers["rep"], stage="aa imported", close_date=None)
    OpportunityFactory(tenant=globex.tenant, owner=globex.sellers["rep"], stage="globex only")
    with tenant_atomic(acme.tenant):
        configured = list(PipelineStage.objects.order_by("position", "name").values_list("name", flat=True))
        names = stage_names()
        carried = set(Opportunity.objects.values_list("stage", flat=True))
    assert names[:len(configured)] == configured
    assert names[len(configured):] == sorted(carried - set(configured))
    assert {"zz legacy", "aa imported"} <= set(names) and "globex only" not in names
    client.force_login(acme.users["revops"])
    content = client.get(url("performance:deals", acme)).content.decode()
    assert "zz legacy" in content and "globex only" not in content


def test_a_deal_split_to_a_visible_seller_is_listed_once(client, acme):
    """Visible by owner and by split at once: one row, counted once."""
    from performance.models import OpportunitySplit
    from spm.tenancy.db import tenant_atomic

    deal = acme.deals["rep"]
    with tenant_atomic(acme.tenant):
        OpportunitySplit.objects.create(opportunity=deal, seller=acme.sellers["manager"], pct=50)
        OpportunitySplit.objects.create(opportunity=deal, seller=acme.sellers["rep"], pct=50)
    client.force_login(acme.users["manager"])
    content = client.get(url("performance:deals", acme), {"q": deal.name}).content.decode()
    assert content.count(f'>{deal.name}<') == 1
