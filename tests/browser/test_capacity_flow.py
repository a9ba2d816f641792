"""Playwright: RevOps opens a capacity scenario (figures + plotly chart), publishes it, allocates and
publishes quotas; the quota grid shows them; an executive reads the scenario without edit controls."""

from __future__ import annotations

import pytest

from planning.capacity.services import capacity_scenario_create, roster_member
from planning.models import Quota
from spm.tenancy.db import tenant_atomic
from tests.browser.test_statement_flow import _shot, _sign_in, browser  # noqa: F401 (fixture)
from tests.factories import build_tenant

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_revops_plans_capacity_and_quotas_executive_reads(live_server, browser):  # noqa: F811
    acme = build_tenant("acme")
    with tenant_atomic(acme.tenant):
        scenario = capacity_scenario_create(
            name="FY27 plan", year=2027, target="12000000", over_assignment="0.12", actor=acme.users["revops"],
            segments=[{"name": "ent", "productivity": "490000", "ramp_months": 6}], gap_segment="ent",
            gap_start="2027-01",
            roster=[roster_member(name=f"Seat {i}", segment="ent") for i in range(18)]
            + [roster_member(name=acme.sellers[p].name, seller=acme.sellers[p], segment="ent") for p in ("rep", "peer")],
        )
    url = f"{live_server.url}/t/acme/capacity/{scenario.pk}/"

    revops = _sign_in(browser, live_server.url, "revops@acme.test")
    revops.goto(url)
    revops.wait_for_selector("#capacity-chart .plot-container")  # plotly drew the chart from /static
    assert revops.text_content("[data-figure=capacity]").strip() == "USD 9,800,000.00"
    assert revops.text_content("[data-figure=gap]").strip() == "USD 2,200,000.00"
    assert revops.text_content("[data-figure=hires_needed]").strip() == "6"
    assert revops.locator("#months tbody tr").count() == 13  # 12 months and the year
    _shot(revops, "capacity-1-detail")
    revops.get_by_role("button", name="Publish scenario").click()
    revops.wait_for_load_state("networkidle")
    revops.get_by_role("button", name="Allocate quotas").click()
    revops.wait_for_load_state("networkidle")
    _shot(revops, "capacity-1b-allocated")
    assert "20 quotas above reachable capacity" in revops.text_content("#flagged")  # the $2.2M gap
    revops.get_by_role("button", name="Publish quotas").click()
    revops.wait_for_load_state("networkidle")
    assert "give a reason" in revops.text_content("body")
    revops.fill("textarea[name=override_reason]", "Hiring plan approved")
    revops.get_by_role("button", name="Publish quotas").click()
    revops.wait_for_load_state("networkidle")
    _shot(revops, "capacity-2-quotas-published")
    with tenant_atomic(acme.tenant):
        assert Quota.objects.filter(seller=acme.sellers["rep"], period="2027-01", source="capacity").exists()
    revops.goto(f"{live_server.url}/t/acme/quotas/?year=2027")
    assert revops.locator("#quota-grid tr[data-seller=acme-rep]").count() == 1
    assert "672,000.00" in revops.text_content("#quota-grid tr[data-seller=acme-rep]")  # 13.44M / 20
    _shot(revops, "capacity-3-quota-grid")

    executive = _sign_in(browser, live_server.url, "exec@acme.test")
    executive.goto(url)
    executive.wait_for_selector("#capacity-chart .plot-container")
    assert executive.get_by_role("button", name="Copy").count() == 0
    assert "acme Peer" in executive.text_content("#roster")
