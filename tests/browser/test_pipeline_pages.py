"""Playwright: a manager opens the pipeline page (KPIs, aging, htmx panels, drill-down) and the
scorecards (attainment distribution). Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest

from tests.browser.test_statement_flow import _shot, _sign_in, browser  # noqa: F401 (the browser fixture)
from tests.factories import OpportunityFactory, build_tenant

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_manager_inspects_pipeline_and_scorecards(live_server, browser):  # noqa: F811
    acme = build_tenant("acme")
    OpportunityFactory(tenant=acme.tenant, owner=acme.sellers["rep"], amount=Decimal("25000.00"), name="Big open deal",
                       created_date=dt.date(2027, 1, 1), close_date=dt.date(2027, 3, 20), stage="negotiation",
                       is_closed=False, is_won=False)
    page = _sign_in(browser, live_server.url, "manager@acme.test")
    page.goto(f"{live_server.url}/t/acme/pipeline/?as_of=2027-02-15&period=2027-Q1")
    page.wait_for_load_state("networkidle")
    assert page.text_content("[data-kpi=open] .value").strip() == "25,000.00"
    assert "0.62×" in page.text_content("[data-kpi=coverage] .value") or "0.63×" in page.text_content("[data-kpi=coverage] .value")
    assert page.locator("#aging").count() == 1 and page.locator(".js-plotly-plot").count() >= 2
    page.wait_for_selector("#flow")  # the htmx flow panel loaded
    page.wait_for_selector("#risks-panel h3")
    assert "acme Peer" not in page.text_content("body")  # not in the manager's subtree
    _shot(page, "pipeline-manager")
    page.click("[data-kpi=open] a")
    page.wait_for_load_state("networkidle")
    assert "Big open deal" in page.text_content("#drilldown")

    page.goto(f"{live_server.url}/t/acme/scorecards/?period=2027-Q1")
    page.wait_for_load_state("networkidle")
    assert page.locator("#attainment-histogram .js-plotly-plot").count() == 1
    assert "60%" in page.text_content("#scorecards")  # the rep: 60,000 of 100,000
    _shot(page, "scorecards-manager")
