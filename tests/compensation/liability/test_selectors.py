"""Payout liability on acme: the rep's January (6,000.00) is published, the peer's (6,000.00)
approved, and December's 1,000.00 paid; one commit and one best-case deal are open in February."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from compensation.liability.selectors import (
    comp_cost_of_sales,
    forecast_liability,
    liability_by_period,
    liability_by_plan,
    liability_by_team,
)
from compensation.models import EarningLine, Statement
from spm.models import AuditEvent, Period
from spm.tenancy.access import TenantAccess, membership_in_scope
from spm.tenancy.db import tenant_atomic
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world(acme):
    t = acme.tenant
    with tenant_atomic(t):
        Statement.objects.filter(pk=acme.statements["peer"].pk).update(status="approved")
        Statement.objects.create(tenant=t, seller=acme.sellers["rep"], period="2026-12", total=D("1000.00"), status="paid")
        EarningLine.objects.create(tenant=t, statement=acme.statements["rep"], seller=acme.sellers["rep"], period="2027-01",
                                   plan_name="AE Plan", component="New business", kind="commission", credit_kind="direct",
                                   deal_external_id="acme-D1", credit=D("60000"), amount=D("6000.00"), explanation="x")
    OpportunityFactory(tenant=t, external_id="acme-C1", owner=acme.sellers["rep"], amount=D("50000.00"), stage="negotiation",
                       forecast_category="commit", close_date=dt.date(2027, 2, 10))
    OpportunityFactory(tenant=t, external_id="acme-B1", owner=acme.sellers["peer"], amount=D("20000.00"), stage="proposal",
                       forecast_category="best_case", close_date=dt.date(2027, 2, 20))
    return acme


def access(world, persona="finance"):
    return TenantAccess(tenant=world.tenant, membership=membership_in_scope(world.users[persona]))


def test_buckets_by_month_team_and_plan(world):
    with tenant_atomic(world.tenant):
        months = liability_by_period(access=access(world))
        teams = liability_by_team(period="2027-01")
        plans = liability_by_plan()
    assert [(r["period"], r["accrued"], r["approved_unpaid"], r["paid"]) for r in months] == [
        ("2026-12", D("0.00"), D("0.00"), D("1000.00")), ("2027-01", D("6000.00"), D("6000.00"), D("0.00"))]
    assert [(t["team"], t["accrued"], t["approved_unpaid"]) for t in teams] == [
        ("acme Manager", D("6000.00"), D("0.00")), ("acme Other Manager", D("0.00"), D("6000.00"))]
    assert [(p["plan"], p["accrued"]) for p in plans] == [("AE Plan", D("6000.00"))]


def test_comp_cost_of_sales(world):
    with tenant_atomic(world.tenant):
        assert comp_cost_of_sales() == [{"period": "2027-01", "earned": D("6000.00"), "bookings": D("60000"),
                                         "ratio": D("10")}]


def test_forecast_liability_is_rated_by_the_engine(world):
    with tenant_atomic(world.tenant):
        forecast = forecast_liability(access=access(world))
    # commit: the rep goes 60 % → 110 % of the Q1 quota: 4,000 + 1,500; best case adds the peer's
    # 40 % → 60 % at 10 %: 2,000
    assert (forecast.commit, forecast.best_case, forecast.deals, forecast.periods) == (
        D("5500.00"), D("7500.00"), 2, ["2027-02"])


def test_page_shows_figures_and_finance_closes_and_reopens_a_month(client, world, django_assert_max_num_queries):
    url = reverse("compensation:liability", kwargs={"tenant": "acme"})
    client.force_login(world.users["finance"])
    with django_assert_max_num_queries(40):
        page = client.get(url)
    html = page.content.decode()
    assert 'data-testid="accrued">USD 6,000.00' in html and 'data-testid="forecast-commit">USD 5,500.00' in html
    assert "commit; USD 7,500.00 with best case" in html  # both figures name their currency
    close = reverse("compensation:period_close", kwargs={"tenant": "acme"})
    client.post(close, {"period": "2027-01", "action": "close"})
    with tenant_atomic(world.tenant):
        assert Period.objects.get(key="2027-01").status == "closed"
    client.post(close, {"period": "2027-01", "action": "reopen"})
    with tenant_atomic(world.tenant):
        assert Period.objects.get(key="2027-01").status == "open"
        assert list(AuditEvent.objects.filter(action__startswith="period.").order_by("id").values_list("action", flat=True)) == [
            "period.close", "period.reopen"]
    client.force_login(world.users["executive"])
    assert client.get(url).status_code == 200
    assert client.post(close, {"period": "2027-01"}).status_code == 403
    client.force_login(world.users["rep"])
    assert client.get(url).status_code == 403


def _kpi(html, testid):
    return html.split(f'data-testid="{testid}">', 1)[1].split("<", 1)[0]


def test_every_table_of_the_page_sums_the_same_statements_for_each_viewer(client, world):
    """An executive aggregates published statements only (drafts are not theirs to see): the
    by-team and by-plan tables must leave the same drafts out as the months and the KPIs, or the
    page's own tables disagree. Finance counts the draft everywhere."""
    t = world.tenant
    with tenant_atomic(t):
        draft = Statement.objects.create(tenant=t, seller=world.sellers["rep"], period="2027-02", total=D("500.00"))
        EarningLine.objects.create(tenant=t, statement=draft, seller=world.sellers["rep"], period="2027-02",
                                   plan_name="AE Plan", component="New business", kind="commission", credit_kind="direct",
                                   deal_external_id="acme-D2", credit=D("5000"), amount=D("500.00"), explanation="x")
    expected = {"finance": D("6500.00"), "executive": D("6000.00")}
    for persona, accrued in expected.items():
        with tenant_atomic(t):
            a = access(world, persona)
            months = liability_by_period(access=a)
            teams = liability_by_team(access=a)
            plans = liability_by_plan(access=a)
        assert sum(r["accrued"] for r in months) == accrued, persona
        assert sum(r["accrued"] for r in teams) == accrued, persona
        assert sum(r["accrued"] for r in plans if r["plan"] == "AE Plan") == accrued, persona
    url = reverse("compensation:liability", kwargs={"tenant": "acme"})
    for persona, accrued in (("finance", "USD 6,500.00"), ("executive", "USD 6,000.00"), ("finance", "USD 6,500.00")):
        client.force_login(world.users[persona])  # one after another: no viewer reads another's cached tables
        html = client.get(url).content.decode()
        assert _kpi(html, "accrued") == accrued, persona
        teams_html = html.split("By team", 1)[1]
        assert ("6,500.00" in teams_html) == (persona == "finance"), persona


def test_kpis_count_every_month_not_only_the_months_charted(client, world):
    """What is owed does not expire: an approved, unpaid statement older than the 18 months the
    chart and the table show still counts in "Approved, unpaid" (as it does in the by-team table)."""
    with tenant_atomic(world.tenant):
        Statement.objects.create(tenant=world.tenant, seller=world.sellers["rep"], period="2024-06", total=D("250.00"),
                                 status="approved")
        for month in range(1, 19):  # 2025-06 … 2026-11 paid: with 2026-12 and 2027-01, 20 months hold statements
            y, m = divmod(2025 * 12 + 5 + month - 1, 12)
            Statement.objects.create(tenant=world.tenant, seller=world.sellers["peer"], period=f"{y}-{m + 1:02d}",
                                     total=D("1.00"), status="paid")
    client.force_login(world.users["finance"])
    html = client.get(reverse("compensation:liability", kwargs={"tenant": "acme"})).content.decode()
    assert _kpi(html, "approved-unpaid") == "USD 6,250.00"
    assert _kpi(html, "paid") == "USD 1,018.00"


def test_the_charts_name_months_as_the_tables_do():
    """The month table says "Jan 2027"; the charts above it said "2027-01"."""
    from compensation.liability.charts import cost_of_sales_line, liability_bars

    row = {"period": "2027-01", "accrued": D("1.00"), "approved_unpaid": D("0"), "paid": D("0")}
    bars = liability_bars([row], currency="USD")
    line = cost_of_sales_line([{"period": "2027-01", "ratio": D("10")}])
    assert "Jan 2027" in bars and "2027-01" not in bars
    assert "Jan 2027" in line and "2027-01" not in line
