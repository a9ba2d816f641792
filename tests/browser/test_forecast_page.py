"""Playwright: a rep submits a call, the manager sees it roll up, overrides it, and reads the backtest."""

from __future__ import annotations

import pytest

from tests.browser.test_statement_flow import _shot, _sign_in, browser  # noqa: F401  (fixture)
from tests.factories import build_tenant
from tests.performance.forecasting.conftest import add_calls, add_history

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_rep_submits_and_the_manager_overrides_and_reads_the_backtest(live_server, browser):  # noqa: F811
    acme = build_tenant("acme")
    add_history(acme)
    add_calls(acme)
    url = f"{live_server.url}/t/acme/forecast/?period=2017-Q2"

    rep = _sign_in(browser, live_server.url, "rep@acme.test")
    rep.goto(url)
    rep.fill("[data-testid=submit-form] input[name=commit]", "2500")
    rep.fill("[data-testid=submit-form] input[name=best_case]", "3000")
    rep.get_by_role("button", name="Submit call").click()
    rep.wait_for_load_state("networkidle")
    assert "Your call for 2017-Q2 is recorded." in rep.text_content("body")
    assert rep.get_by_role("button", name="Override").count() == 0
    _shot(rep, "forecast-1-rep")

    manager = _sign_in(browser, live_server.url, "manager@acme.test")
    manager.goto(url)
    rollup = manager.text_content("[data-testid=rollup]")
    assert "acme Rep" in rollup and "acme Peer" not in rollup
    assert manager.text_content("[data-testid=human-commit]").strip() == "2,500"
    # The backtest of the manager's team: Q2 actual 1,500; the weighted forecast 1,100; the call 1,800.
    backtest = manager.text_content("[data-testid=backtest]")
    assert "2017Q2" in backtest and "1,500" in backtest and "1,100" in backtest and "1,800" in backtest
    assert manager.text_content("[data-testid=model]").strip() == "not trained"
    form = manager.locator("[data-testid=rollup] tr.override-row", has_text="acme Manager")
    form.locator("input[name=commit]").fill("2000")
    form.locator("input[name=best_case]").fill("2600")
    form.get_by_role("button", name="Override").click()
    manager.wait_for_load_state("networkidle")
    assert manager.text_content("[data-testid=human-commit]").strip() == "2,000"
    row = manager.locator("[data-testid=rollup] tr:not(.override-row)", has_text="acme Manager")
    assert "2,500" in row.text_content()  # the team's roll-up stays visible beside the override
    _shot(manager, "forecast-2-manager-override")
    form.get_by_role("button", name="Remove override").click()
    manager.wait_for_load_state("networkidle")
    assert manager.text_content("[data-testid=human-commit]").strip() == "2,500"


def test_on_a_phone_the_override_form_stays_in_view_beside_the_wide_roll_up(live_server, browser):  # noqa: F811
    """At 390 px the roll-up table scrolls sideways; its override form spanned the whole table, so the
    Override button sat off-screen to the right. The form now stays at the left edge and wraps."""
    acme = build_tenant("acme")
    add_history(acme)
    add_calls(acme)
    manager = _sign_in(browser, live_server.url, "manager@acme.test")
    manager.set_viewport_size({"width": 390, "height": 844})
    manager.goto(f"{live_server.url}/t/acme/forecast/?period=2017-Q2")
    form = manager.locator("[data-testid=rollup] tr.override-row", has_text="acme Manager")
    box = form.get_by_role("button", name="Override").bounding_box()  # where it sits, without scrolling sideways
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    _shot(manager, "forecast-3-manager-phone")


def test_alerts_link_to_the_deal_and_coaching_notes_reach_the_rep(live_server, browser):  # noqa: F811
    import datetime as dt
    from decimal import Decimal

    from performance.alerts.services import alerts_refresh
    from performance.models import OpportunityHistory
    from spm.tenancy.db import tenant_atomic
    from tests.factories import OpportunityFactory

    acme = build_tenant("acme")
    today = dt.date.today()
    rep = acme.sellers["rep"]
    deal = OpportunityFactory(tenant=acme.tenant, owner=rep, name="Rocket deal", stage="Demo", is_closed=False,
                              is_won=False, amount=Decimal("5000"), close_date=today - dt.timedelta(days=3))
    with tenant_atomic(acme.tenant):
        OpportunityHistory.objects.create(opportunity=deal, as_of=today - dt.timedelta(days=10), stage="Demo",
                                          amount=Decimal("5000"), close_date=deal.close_date, owner=rep)
        alerts_refresh(today=today)

    page = _sign_in(browser, live_server.url, "rep@acme.test")
    page.goto(f"{live_server.url}/t/acme/alerts/")
    table = page.text_content("[data-testid=alerts]")
    assert "Rocket deal" in table and "Past due" in table and "Confirm the real decision date" in table
    page.get_by_role("link", name="Rocket deal").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/t/acme/deals/{deal.pk}/")
    _shot(page, "alerts-1-rep")

    manager = _sign_in(browser, live_server.url, "manager@acme.test")
    manager.goto(f"{live_server.url}/t/acme/coaching/{rep.pk}/")
    assert "Past due" in manager.text_content("[data-testid=agenda]")
    manager.fill("textarea[name=body]", "Agreed: re-date Rocket with the buyer")
    manager.get_by_role("button", name="Save note").click()
    manager.wait_for_load_state("networkidle")
    manager.fill("input[name=title]", "Confirm Rocket's decision date")
    manager.fill("input[name=due_date]", (today + dt.timedelta(days=7)).isoformat())
    manager.get_by_role("button", name="Add follow-up").click()
    manager.wait_for_load_state("networkidle")
    _shot(manager, "coaching-1-manager")

    page.goto(f"{live_server.url}/t/acme/coaching/{rep.pk}/")
    assert "Agreed: re-date Rocket with the buyer" in page.text_content("[data-testid=notes]")
    assert "Confirm Rocket's decision date" in page.text_content("[data-testid=follow-ups]")
    assert page.get_by_role("button", name="Save note").count() == 0
    page.get_by_role("button", name="Done").click()
    page.wait_for_load_state("networkidle")
    assert "Follow-up done." in page.text_content("body")
