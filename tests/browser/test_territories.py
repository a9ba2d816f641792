"""Playwright: RevOps opens a territory plan, sees figures, the short-of-quota flag and the map
rendered from /static only (every request to another host is refused and recorded), then accepts a
balancing move. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from urllib.parse import urlparse

import pytest

from planning.models import Account, Quota
from planning.territories.services import territory_plan_create, territory_save
from spm.tenancy.db import tenant_atomic
from tests.browser.test_statement_flow import _shot, _sign_in, browser  # noqa: F401  (fixture)
from tests.factories import build_tenant

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CITIES = [("Berlin", "EMEA", 52.52, 13.40, 400000), ("Paris", "EMEA", 48.86, 2.35, 300000),
          ("Madrid", "EMEA", 40.42, -3.70, 250000), ("Tokyo", "APAC", 35.68, 139.69, 150000),
          ("Sydney", "APAC", -33.87, 151.21, 50000)]


def _world():
    acme = build_tenant("acme")
    with tenant_atomic(acme.tenant):
        for i, (city, region, lat, lon, potential) in enumerate(CITIES):
            Account.objects.create(external_id=f"C-{i}", name=f"{city} GmbH", region=region, industry="retail",
                                   latitude=Decimal(str(lat)), longitude=Decimal(str(lon)), potential=Decimal(potential))
        Quota.objects.create(seller=acme.sellers["rep"], period="2027", amount=Decimal("600000"))
        Quota.objects.create(seller=acme.sellers["peer"], period="2027", amount=Decimal("500000"))
        plan = territory_plan_create(name="FY2027 territories")
        territory_save(plan=plan, name="Europe", rules={"regions": ["EMEA"]}, owner=acme.sellers["rep"])
        territory_save(plan=plan, name="Asia Pacific", rules={"regions": ["APAC"]}, owner=acme.sellers["peer"])
        plan.effective_from = dt.date(2027, 1, 1)
        plan.save()
    return acme, plan


def test_revops_reads_the_plan_map_and_accepts_a_move(live_server, browser):  # noqa: F811
    acme, plan = _world()
    page = _sign_in(browser, live_server.url, "revops@acme.test")
    local = urlparse(live_server.url).netloc
    outside: list[str] = []

    def guard(route):
        if urlparse(route.request.url).netloc != local:
            outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", guard)
    topojson: list[int] = []
    page.on("response", lambda r: topojson.append(r.status) if r.url.endswith("world_110m.json") else None)
    page.goto(f"{live_server.url}/t/acme/territories/{plan.pk}/")
    page.wait_for_selector("[data-testid=map] .geo path.point", timeout=15000)
    page.wait_for_selector("[data-testid=map] .geo .layer.land path", timeout=15000)
    assert outside == [] and topojson == [200]
    assert page.locator("[data-testid=map] .geo path.point").count() == len(CITIES)
    table = page.text_content("[data-testid=territories]")
    # Europe 950,000 against 600,000; Asia Pacific 200,000 against 500,000: short.
    assert "950,000" in table and "200,000" in table and "Short of quota" in table
    assert page.text_content("[data-testid=assigned]").strip() == "5 / 6"  # the world's own account has no region
    _shot(page, "territories-1-plan")

    page.get_by_role("button", name="Propose balancing moves").click()
    page.wait_for_load_state("networkidle")
    moves = page.text_content("[data-testid=moves]")
    assert "Asia Pacific" in moves
    page.locator("[data-testid=moves]").get_by_role("button", name="Accept").first.click()
    page.wait_for_load_state("networkidle")
    assert "Accepted" in page.text_content("[data-testid=moves]")
    _shot(page, "territories-2-accepted")

    manager = _sign_in(browser, live_server.url, "manager@acme.test")
    manager.goto(f"{live_server.url}/t/acme/territories/{plan.pk}/")
    text = manager.text_content("[data-testid=territories]")
    assert "Europe" in text and "Asia Pacific" not in text  # the manager's subtree owns Europe only
    assert manager.get_by_role("button", name="Publish plan").count() == 0
