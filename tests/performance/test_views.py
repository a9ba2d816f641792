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
