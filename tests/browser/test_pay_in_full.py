"""Playwright: a rep reads their statement by deal, disputes a line and accepts their plan; finance
accepts the dispute (the statement is recalculated with the adjustment) and exports payroll."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest

from compensation.models import Statement
from compensation.services import calculation_request, statement_publish
from spm.tenancy.db import tenant_atomic
from tests.browser.test_statement_flow import ARGS, CHROMIUM, _shot, _sign_in
from tests.factories import OpportunityFactory, build_tenant

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def test_rep_disputes_a_line_and_finance_accepts_it(live_server, browser):
    acme = build_tenant("acme")
    with tenant_atomic(acme.tenant):
        calculation_request(period_from="2027-01", requested_by=acme.users["revops"])
    with tenant_atomic(acme.tenant):
        statement = Statement.objects.get(seller=acme.sellers["rep"], period="2027-01")
        statement_publish(statement=statement, actor=acme.users["finance"])
    OpportunityFactory(tenant=acme.tenant, external_id="acme-D9", name="acme open deal", owner=acme.sellers["rep"],
                       amount=Decimal("50000.00"), stage="proposal", close_date=dt.date(2027, 2, 10))
    base = f"{live_server.url}/t/acme"

    rep = _sign_in(browser, live_server.url, "rep@acme.test")
    rep.wait_for_selector("[data-testid=my-estimates]")
    assert "USD 5,500.00" in rep.text_content("[data-testid=my-estimates]")
    _shot(rep, "pay-1-rep-dashboard-estimates")
    rep.goto(f"{base}/statements/{statement.pk}/")
    assert "USD 6,000.00" in rep.text_content("[data-testid=breakdown-total]")
    assert "6,000.00" in rep.text_content("[data-testid=subtotals]")
    rep.click("#lines > summary")  # the line-by-line table is folded under the by-deal view
    rep.get_by_role("link", name="Dispute", exact=True).first.click()
    rep.fill("input[name=amount]", "250.00")
    rep.fill("textarea[name=reason]", "The order form says 62,500")
    rep.get_by_role("button", name="Open dispute").click()
    rep.wait_for_load_state("networkidle")
    assert rep.text_content("[data-testid=dispute-status]").strip() == "Open"
    _shot(rep, "pay-2-rep-dispute")
    rep.goto(f"{base}/plans/{acme.plan.pk}/")
    rep.get_by_role("button", name="Accept AE Plan v1").click()
    rep.wait_for_load_state("networkidle")
    assert "Accepted v1" in rep.text_content("[data-testid=plan-acceptance]")

    finance = _sign_in(browser, live_server.url, "finance@acme.test")
    finance.goto(f"{base}/disputes/")
    assert finance.text_content("[data-testid=dispute-count]").strip() == "1"
    finance.get_by_role("link", name="#", exact=False).first.click()
    finance.get_by_role("button", name="Accept dispute").click()
    finance.wait_for_load_state("networkidle")
    assert finance.text_content("[data-testid=dispute-status]").strip() == "Accepted"
    _shot(finance, "pay-3-finance-accepted")
    finance.goto(f"{base}/statements/{statement.pk}/")
    assert "USD 6,250.00" in finance.text_content("[data-testid=breakdown-total]")
