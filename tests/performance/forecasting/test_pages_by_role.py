"""Who may open the forecasting, alert and coaching pages (200 or 403), and the navigation link."""

from __future__ import annotations

import pytest

from tests.helpers import ALL, get_as, url

pytestmark = pytest.mark.django_db

NOT_FINANCE = [p for p in ALL if p != "finance"]
PAGES = {
    "performance:forecast": ALL,
    "performance:alerts": NOT_FINANCE,
    "performance:coaching": NOT_FINANCE,
}


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("persona", ALL)
def test_each_page_opens_for_the_roles_that_may_see_it_and_is_in_their_navigation(client, acme, name, persona):
    response = get_as(client, acme, persona, url(name, acme))
    assert response.status_code == (200 if persona in PAGES[name] else 403)
    home = get_as(client, acme, persona, url("analytics:dashboard", acme)).content.decode()
    assert (f'href="{url(name, acme)}"' in home) == (persona in PAGES[name])


@pytest.mark.parametrize("name", list(PAGES))
def test_a_member_of_another_tenant_gets_404(client, acme, globex, name):
    assert get_as(client, globex, "admin", url(name, acme)).status_code == 404
