"""Playwright: revops uploads a CRM file, checks the guessed mapping, imports, and reads the report;
a bad file shows its errors with the error file to download."""

from __future__ import annotations

import pytest

from planning.models import Seller
from spm.tenancy.db import tenant_atomic
from tests.browser.test_statement_flow import _shot, _sign_in, browser  # noqa: F401 (fixture)
from tests.factories import build_tenant

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FILE = ("Opportunity ID,Account Name,Owner,Deal Stage,Deal Value,Currency,Created,Close Date,Won,Closed\n"
        "B-1,Globo,rep-seller@acme.test,Discovery,9000,USD,2027-01-02,,no,no\n"
        "B-2,Globo,rep-seller@acme.test,Contract signed,12000,USD,2027-01-03,2027-01-20,yes,yes\n")


def test_revops_imports_a_crm_file_through_the_mapping_page(live_server, browser, tmp_path):  # noqa: F811
    acme = build_tenant("acme")
    with tenant_atomic(acme.tenant):
        Seller.objects.filter(pk=acme.sellers["rep"].pk).update(email="rep-seller@acme.test")
    good, bad = tmp_path / "crm.csv", tmp_path / "bad.csv"
    good.write_text(FILE)
    bad.write_text(FILE.replace("12000", "12k"))
    page = _sign_in(browser, live_server.url, acme.users["revops"].email)
    page.goto(f"{live_server.url}/t/acme/imports/")
    assert page.locator("nav >> text=Imports").count() >= 1
    page.set_input_files("input[name=file]", str(good))
    page.click("#upload button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("select[name=map_amount]").input_value() == "Deal Value"
    assert page.locator("select[name=map_owner_email]").input_value() == "Owner"
    _shot(page, "import-mapping")
    page.click("#mapping button[type=submit]")
    page.wait_for_selector("#import-counts")
    assert "Imported: 2 rows" in page.locator("#import-message").inner_text()
    _shot(page, "import-done")

    page.goto(f"{live_server.url}/t/acme/imports/")
    page.set_input_files("input[name=file]", str(bad))
    page.click("#upload button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click("#mapping button[type=submit]")
    page.wait_for_selector("#import-errors")
    row = page.locator("#import-errors tbody tr").first.inner_text()
    assert "3" in row and "amount" in row and "12k" in row
    with page.expect_download() as download:
        page.click("#download-errors")
    assert "12k" in download.value.path().read_text()
    _shot(page, "import-errors")
