"""Every page of every pillar: who may open it (200 or 403), 404 for a member of another tenant,
and a navigation link for each page the role may open."""

from __future__ import annotations

import pytest

from tests.helpers import ALL, get_as, url

pytestmark = pytest.mark.django_db


PAGES = {
    # url name: personas that get 200; everyone else gets 403
    "analytics:dashboard": ALL,
    "planning:sellers": ALL,
    "planning:quotas": ALL,
    "performance:deals": ALL,
    # executives read aggregates on the dashboard, never one person's statement
    "compensation:statements": ["rep", "peer", "manager", "revops", "finance", "admin"],
    "compensation:approvals": ["finance", "admin"],
    "compensation:runs": ["revops", "finance", "admin"],
    "compensation:plans": ["manager", "revops", "finance", "executive", "admin"],
    "analytics:audit": ["finance", "admin"],
    "hub:members": ["admin"],
    "sso_admin:settings": ["admin"],
}


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("persona", ALL)
def test_each_page_opens_for_the_roles_that_may_see_it(client, acme, name, persona):
    response = get_as(client, acme, persona, url(name, acme))
    assert response.status_code == (200 if persona in PAGES[name] else 403)


@pytest.mark.parametrize("name", list(PAGES))
def test_a_member_of_another_tenant_gets_404(client, acme, globex, name):
    response = get_as(client, globex, "admin", url(name, acme))
    assert response.status_code == 404


def test_admins_see_every_link(client, acme):
    content = get_as(client, acme, "admin", url("analytics:dashboard", acme)).content.decode()
    for name in PAGES:
        assert url(name, acme) in content
