"""Browser tests that look: every acme role opens the pages of its navigation in Debian's Chromium.

For each role, at 1366 × 900 and at 390 × 844 (a phone), every page must show its key figures and
controls and must have no console error, no failed request or response ≥ 400, no horizontal
overflow (document.documentElement.scrollWidth > clientWidth) and no in-app link that answers
4xx/5xx to that role (each href fetched with the role's own session). Screenshots go to the
git-ignored test-artifacts/screenshots/roles/ for a person to look at.

One tenant (the factories' complete tenant, plus a won deal closed last month so the executive's
bookings figure has something to show) serves all six roles in one test: the live server forces a
transactional database, which is flushed after each test, so one test shares one seeding.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from compensation.models import Statement
from spm.tenancy.db import tenant_atomic
from tests.factories import OpportunityFactory, build_tenant, complete_tenant

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + Playwright's sync API

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "roles"
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium") if os.path.exists(p)), None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
WIDTHS = {1366: 900, 390: 844}
ROLES = ("rep", "manager", "revops", "finance", "exec", "admin")
# Links that change state or leave the app are not fetched (sign-out is a POST form anyway).
SKIP_LINK_PREFIXES = ("/accounts/logout", "/switch/")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _seed():
    world = complete_tenant(build_tenant("acme"))
    last_month = dt.date.today().replace(day=1) - dt.timedelta(days=10)
    # With the factories' two won deals (60,000 + 40,000): bookings of 2,000,000, shown as USD 2M.
    OpportunityFactory(tenant=world.tenant, external_id="acme-D9", name="acme big win", owner=world.sellers["rep"],
                       amount=Decimal("1900000.00"), close_date=last_month, created_date=last_month - dt.timedelta(days=40))
    return world


def _open(page, url: str) -> None:
    """Load `url`; wait for the network to settle only where htmx loads fragments (500 ms a page otherwise)."""
    page.goto(url)
    if page.locator("[hx-trigger=load]").count():  # fragments fetched once the page is in
        page.wait_for_load_state("networkidle")


def _text(page, selector: str) -> str:
    return " ".join((page.text_content(selector) or "").split())


# Per role: (path of a page in its navigation, check on that page). Each check asserts what the
# role came for; a failing check names the page.
def _rep(page, base):
    _open(page, f"{base}/t/acme/")
    assert "USD 6,000.00" in _text(page, "main")  # the latest statement's earnings
    _open(page, f"{base}/t/acme/statements/")
    assert page.locator("table.data tbody tr").count() >= 1 and "Jan 2027" in _text(page, "table.data")


def _manager(page, base):
    _open(page, f"{base}/t/acme/")
    assert _text(page, "[data-testid=team-earnings]") == "USD 6,000"
    team = _text(page, "main table.data")
    assert "acme Rep" in team and "reports to" not in team  # direct reports: the manager is not repeated


def _revops(page, base):
    _open(page, f"{base}/t/acme/runs/")
    assert page.locator("table.data tbody tr").count() >= 1
    _open(page, f"{base}/t/acme/statements/")
    assert "acme Peer" in _text(page, "table.data")


def _finance(page, base):
    _open(page, f"{base}/t/acme/approvals/")
    assert "USD 12,000.00" in _text(page, "[data-testid='batch-2027-01-USD']")  # the batch total, to the cent
    assert page.get_by_role("button", name="Approve").count() >= 1


def _exec(page, base):
    _open(page, f"{base}/t/acme/")
    assert _text(page, "[data-testid=bookings]") == "USD 2M"


def _admin(page, base):
    _open(page, f"{base}/t/acme/members/")
    row = page.locator("tr[data-member]").filter(has_text="peer@acme.test")  # never signs in here
    assert row.get_by_role("button", name="Remove").is_visible()
    assert row.get_by_text("never").is_visible()  # last sign-in is shown, not clipped


CHECKS = {"rep": _rep, "manager": _manager, "revops": _revops, "finance": _finance, "exec": _exec, "admin": _admin}


def _sign_in(context, base: str, email: str):
    page = context.new_page()
    _open(page, f"{base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def _watch(page, problems: list[str]) -> None:
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error on {page.url}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"script error on {page.url}: {e}"))
    # ERR_ABORTED is the browser cancelling a request because the test navigated on (a slow fragment
    # under load), not a failure of the app; a refused or reset request still counts.
    page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
            and problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))


def _in_app_links(page, base: str) -> dict[str, str]:
    """One link per kind of page: /deals/17/ and /deals/18/ answer alike to a role (ids → N)."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    links = {}
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        parsed = urlparse(url)
        if url.startswith(base) and not parsed.path.startswith(SKIP_LINK_PREFIXES):
            links.setdefault(re.sub(r"\d+", "N", parsed.path) + "?" + "&".join(sorted(parsed.query.split("&"))), url)
    return links


def _visit_role(browser, base: str, role: str) -> list[str]:
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = _sign_in(context, base, f"{role}@acme.test")
    _watch(page, problems)
    nav = [urljoin(base, h) for h in page.eval_on_selector_all("nav.nav a[href]", "els => els.map(e => e.getAttribute('href'))")]
    assert nav, f"{role}: no navigation after signing in"
    links: dict[str, str] = {}
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for url in nav:
            _open(page, url)
            scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if scroll > client:
                problems.append(f"{url} at {width} px: {scroll - client} px of horizontal overflow")
            name = urlparse(url).path.strip("/").replace("/", "_") or "home"
            page.screenshot(path=str(SHOTS / f"{role}-{name}-{width}.png"), full_page=True)
            if width == 1366:
                links = {**_in_app_links(page, base), **links}
    for url in sorted(links.values()):
        status = page.request.get(url, max_redirects=0).status
        if status >= 400:
            problems.append(f"link {url} answers {status} to {role}")
    try:
        CHECKS[role](page, base)
        page.wait_for_load_state("networkidle")
    except AssertionError as exc:
        problems.append(f"{role}'s key figures on {page.url}: {exc!r}")
    context.close()
    return problems


def test_every_role_sees_its_pages_whole_at_desktop_and_phone_width(live_server, browser):
    world = _seed()
    with tenant_atomic(world.tenant):  # a published statement of each seller is what finance approves
        assert Statement.objects.filter(period="2027-01", status="published").count() == 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {role: _visit_role(browser, live_server.url, role) for role in ROLES}
    found = [f"{role}: {p}" for role, items in problems.items() for p in items]
    assert not found, "\n".join(found)
