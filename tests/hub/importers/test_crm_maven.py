"""import_crm_maven: a thin adapter onto the generic import path; every quirk handled and reported,
every bad row refused with the export's file, line and column, and nothing written then."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from performance.models import Opportunity, OpportunityHistory, PipelineStage
from planning.models import Account, Quota, Seller
from spm.hub.importers.crm_maven import default_data_dir
from spm.models import AuditEvent, Tenant
from spm.tenancy.db import tenant_atomic

TODAY = dt.date(2026, 11, 23)
needs_the_export = pytest.mark.skipif(not (default_data_dir() / "sales_pipeline.csv").exists(),
                                      reason="the CRM export is not next to the repository (../shared/data/crm-maven)")

TEAMS = "sales_agent,manager,regional_office\nAnna Snell,Dustin Brink,Central\nCara Lamp,Dustin Brink,Central\n"
ACCOUNTS = ("account,sector,year_established,revenue,employees,office_location,subsidiary_of\n"
            "Acme Corporation,technolgy,1996,1100.04,2822,United States,\nBetasoloin,medical,1999,251.41,495,Philipines,\n")
PRODUCTS = "product,series,sales_price\nGTX Basic,GTX,550\nGTX Pro,GTX,4821\n"
PIPELINE = ("opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
            "W1,Anna Snell,GTXPro,Acme Corporation,Won,2016-10-20,2017-03-01,4514\n"
            "W2,Anna Snell,GTX Basic,Acme Corporation,Won,2017-01-02,2017-06-01,600\n"
            "L1,Cara Lamp,GTX Basic,Betasoloin,Lost,2017-01-03,2017-02-01,0\n"
            "E1,Cara Lamp,GTX Pro,,Engaging,2017-11-01,,\n"
            "P1,Anna Snell,GTX Basic,,Prospecting,,,\n"
            "F1,Cara Lamp,GTX Pro,Betasoloin,Won,2017-10-01,2017-12-30,5000\n")


def export(tmp_path, pipeline=PIPELINE, teams=TEAMS):
    for name, text in (("sales_teams.csv", teams), ("accounts.csv", ACCOUNTS), ("products.csv", PRODUCTS),
                       ("sales_pipeline.csv", pipeline)):
        (tmp_path / name).write_text(text)
    return tmp_path


def run(tmp_path, **kwargs):
    out = io.StringIO()
    call_command("import_crm_maven", tenant="globex", dir=tmp_path, today=TODAY, stdout=out, **kwargs)
    return out.getvalue()


@pytest.mark.django_db
def test_a_small_export_goes_through_the_generic_path_with_weekly_history(tmp_path):
    text = run(export(tmp_path))
    assert "shifted by +9 years" in text and "'GTXPro' matched to 'GTX Pro'" in text
    assert "1  lost deals with close_value 0" in text and "1  prospecting deals" in text
    tenant = Tenant.objects.get(slug="globex")
    with tenant_atomic(tenant):
        assert Seller.objects.count() == 4  # head of sales, one manager, two agents
        anna = Seller.objects.get(name="Anna Snell")
        assert (anna.email, anna.role_type, anna.region, anna.team) == ("anna.snell@globex.example", "AE", "Central",
                                                                      "Dustin Brink team")
        assert anna.manager.manager.email == "morgan.hale@globex.example"
        deals = {o.external_id: o for o in Opportunity.objects.all()}
        assert set(deals) == {"W1", "W2", "L1", "E1", "P1", "F1"}
        assert (deals["W1"].amount, deals["W1"].is_won, deals["W1"].close_date) == (Decimal("4514.00"), True, dt.date(2026, 3, 1))
        assert deals["W2"].deal_type == "expansion" and deals["W1"].deal_type == "new_logo"
        assert (deals["L1"].amount, deals["L1"].is_closed, deals["L1"].is_won) == (Decimal("550.00"), True, False)
        assert deals["P1"].created_date is None and deals["P1"].close_date is None
        # closed after "today" once shifted: open commit pipeline due then
        assert (deals["F1"].is_closed, deals["F1"].forecast_category, deals["F1"].close_date) == (False, "commit", dt.date(2026, 12, 30))
        assert deals["E1"].account is None
        assert Account.objects.get(name="Acme Corporation").industry == "technology"
        assert Account.objects.get(name="Betasoloin").country == "Philippines"
        # history: W1 appears open at list price the week it was engaged, and is won the week it closed
        w1 = list(OpportunityHistory.objects.filter(opportunity=deals["W1"]).order_by("as_of")
                  .values_list("as_of", "stage", "amount", "is_won"))
        assert w1 == [(dt.date(2025, 10, 26), "Engaging", Decimal("4821.00"), False),
                      (dt.date(2026, 3, 1), "Won", Decimal("4514.00"), True)]
        assert set(PipelineStage.objects.values_list("name", flat=True)) == {"Engaging", "Won", "Lost", "Prospecting"}
        assert not OpportunityHistory.objects.filter(as_of__gt=TODAY).exists()
        assert AuditEvent.objects.filter(action="import.opportunities").count() == OpportunityHistory.objects.values(
            "as_of").distinct().count()
        assert Quota.objects.filter(period="2026-Q1", seller=anna).exists()


@pytest.mark.django_db
def test_a_deal_the_shift_engages_after_today_is_created_today_not_in_the_future(tmp_path):
    """E2 is engaged 2017-12-01, shifted to 2026-12-01, after today: a deal created in the future was open
    pipeline on the scorecards and the forecast but not on the pipeline page (open = created by the day)."""
    text = run(export(tmp_path, PIPELINE + "E2,Cara Lamp,GTX Pro,,Engaging,2017-12-01,,\n"))
    assert "1  deals engaged after today by the shift: created today" in text
    with tenant_atomic(Tenant.objects.get(slug="globex")):
        e2 = Opportunity.objects.get(external_id="E2")
        assert e2.created_date == TODAY and e2.close_date > TODAY and not e2.is_closed
        assert not Opportunity.objects.filter(created_date__gt=TODAY).exists()


@pytest.mark.django_db
def test_a_folder_without_the_export_is_an_error_and_creates_nothing(tmp_path):
    with pytest.raises(CommandError, match="file not found"):
        run(tmp_path)
    assert not Tenant.objects.filter(slug="globex").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("old, new, column, line", [
    ("W2,Anna Snell,", "W2,Nobody Known,", "sales_agent", 3),
    (",2017-06-01,600", ",2017-06-01,12k", "close_value", 3),
    (",2017-06-01,600", ",2017-06-01,-600", "close_value", 3),
    ("2017-01-03,2017-02-01", "2017-01-03,2017-02-31", "close_date", 4),
    ("L1,", "W1,", "opportunity_id", 4),
    ("Prospecting,,,", "Negotiating,,,", "deal_stage", 6),
])
def test_a_bad_row_fails_the_import_naming_the_exports_file_line_and_column(tmp_path, old, new, column, line):
    with pytest.raises(CommandError) as exc:
        run(export(tmp_path, PIPELINE.replace(old, new)))
    message = str(exc.value)
    assert "nothing was imported" in message
    assert f"sales_pipeline.csv:{line}, column {column!r}" in message
    assert not Tenant.objects.filter(slug="globex").exists()


@needs_the_export
@pytest.mark.django_db
def test_it_imports_the_real_export_and_says_what_it_fixed():
    out = io.StringIO()
    call_command("import_crm_maven", tenant="globex", today=TODAY, stdout=out)
    text = out.getvalue()
    assert "shifted by +9 years" in text
    assert "'GTXPro' matched to 'GTX Pro'" in text
    assert "technolgy" in text and "Philipines" in text
    assert "1,425  deals without an account" in text
    assert "2,473  lost deals with close_value 0" in text
    assert "500  prospecting deals without dates or value" in text
    tenant = Tenant.objects.get(slug="globex")
    with tenant_atomic(tenant):
        assert Seller.objects.filter(role_type="AE").count() == 35
        assert Seller.objects.count() == 42  # + 6 managers + one head of sales
        assert Opportunity.objects.count() == 8800
        # 4,238 won in the export; the 600 the shift dates after "today" are open commit pipeline instead
        assert Opportunity.objects.filter(is_won=True).count() == 4238 - 600
        assert Opportunity.objects.filter(stage="Engaging", forecast_category="commit").count() == 600
        assert not Opportunity.objects.filter(is_closed=True, close_date__gt=TODAY).exists()
        assert not Opportunity.objects.filter(created_date__gt=TODAY).exists()
        assert Opportunity.objects.filter(account__isnull=True).count() == 1425
        assert not Opportunity.objects.filter(amount__lte=0).exists()
        assert not Account.objects.filter(industry="technolgy").exists()
        assert Account.objects.filter(country="Philippines").count() == 1
        latest = Opportunity.objects.filter(is_closed=True).order_by("-close_date").values_list("close_date", flat=True).first()
        assert latest.year == 2026
        assert Quota.objects.filter(period="2026-Q2").count() > 30
        # weekly history: every deal has a first sighting; every won deal was open before it was won
        assert OpportunityHistory.objects.values("opportunity").distinct().count() == 8800
        assert OpportunityHistory.objects.filter(is_won=False, opportunity__is_won=True).values(
            "opportunity").distinct().count() > 3000
