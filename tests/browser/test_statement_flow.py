"""Playwright drives Debian's Chromium: a rep reads their statement, finance approves it.

Screenshots of each step go to test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compensation.models import Statement
from compensation.services import calculation_request, statement_publish
from spm.tenancy.db import tenant_atomic
from tests.factories import build_tenant

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + Playwright's sync API

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium") if os.path.exists(p)), None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _sign_in(browser, base: str, email: str):
    page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_rep_reads_their_statement_and_finance_approves_it(live_server, browser):
    acme = build_tenant("acme")
    with tenant_atomic(acme.tenant):  # revops prepares (calculates); finance publishes
        calculation_request(period_from="2027-01", requested_by=acme.users["revops"])
    with tenant_atomic(acme.tenant):
        statement = Statement.objects.get(seller=acme.sellers["rep"], period="2027-01")
        statement_publish(statement=statement, actor=acme.users["finance"])
    url = f"{live_server.url}/t/acme/statements/{statement.pk}/"

    rep = _sign_in(browser, live_server.url, "rep@acme.test")
    _shot(rep, "1-rep-dashboard")
    rep.goto(url)
    body = rep.text_content("body")
    assert "6,000.00" in body and "attainment" in body.lower()
    assert rep.get_by_role("button", name="Approve").count() == 0
    _shot(rep, "2-rep-statement")

    finance = _sign_in(browser, live_server.url, "finance@acme.test")
    finance.goto(f"{live_server.url}/t/acme/approvals/")
    _shot(finance, "3-finance-approvals")
    finance.goto(url)
    finance.get_by_role("button", name="Approve").click()
    finance.wait_for_load_state("networkidle")
    assert finance.text_content("[data-testid=status]").strip() == "Approved"
    _shot(finance, "4-finance-approved")
    with tenant_atomic(acme.tenant):
        statement.refresh_from_db()
    assert (statement.status, statement.approved_by_id) == ("approved", acme.users["finance"].pk)
