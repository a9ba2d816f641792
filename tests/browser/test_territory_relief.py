"""Playwright: RevOps opens a draft territory plan that moves an account away from its owner, reads
the "Quota relief" panel (share of potential, quota moved) and applies the relief once."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest

from planning.models import Account, Quota, Territory
from planning.territories.services import territory_override_set, territory_plan_create, territory_plan_publish
from spm.tenancy.db import tenant_atomic
from tests.browser.test_statement_flow import _shot, _sign_in, browser  # noqa: F401  (fixture)
from tests.browser.test_territories import _world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_revops_applies_quota_relief_from_the_plan_page(live_server, browser):  # noqa: F811
    acme, plan = _world()
    with tenant_atomic(acme.tenant):
        plan.effective_from = None
        plan.save()
        territory_plan_publish(plan=plan, effective_from=dt.date(2027, 1, 1), override_reason="new market")
        Quota.objects.filter(seller=acme.sellers["rep"]).delete()
        for m in range(1, 13):
            Quota.objects.create(seller=acme.sellers["rep"], period=f"2027-{m:02d}", amount=Decimal("10000"))
        draft = territory_plan_create(name="FY2027 reshuffle", copy_of=plan)
        territory_override_set(plan=draft, account=Account.objects.get(name="Paris GmbH"),
                               territory=Territory.objects.get(plan=draft, name="Asia Pacific"))
    page = _sign_in(browser, live_server.url, "revops@acme.test")
    page.goto(f"{live_server.url}/t/acme/territories/{draft.pk}/#relief")
    table = page.text_content("[data-testid=relief]")
    # Paris (300,000) leaves Europe (950,000): share 0.315789… → 0.3158; 12 months × 10,000 × 0.3158
    assert "acme Rep" in table and "acme Peer" in table
    assert "300,000" in table and "0.3158" in table and "37,896.00" in table
    _shot(page, "relief-1-panel")
    page.locator("[data-testid=relief]").get_by_role("button", name="Apply relief").click()
    page.wait_for_load_state("networkidle")
    assert "Quota relief applied" in page.content()
    assert "Applied" in page.text_content("[data-testid=relief]")
    _shot(page, "relief-2-applied")
