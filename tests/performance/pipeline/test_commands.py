"""`manage.py pipeline_metrics` on a hand-computed tenant, through the database and the SQL cells."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from performance.pipeline.metrics import deal_cells, metrics, to_cents
from performance.pipeline.selectors import metric_cells, owner_attrs, scoped_deals, system_access
from spm.tenancy.db import tenant_atomic
from tests.factories import OpportunityFactory, SellerFactory, TenantFactory

D = dt.date(2017, 6, 30)


def _deal(tenant, owner, amount, created, closed, state, **kw):
    is_closed, is_won = {"won": (True, True), "lost": (True, False), "open": (False, False)}[state]
    stage = {"won": "Won", "lost": "Lost", "open": "Engaging"}[state]
    return OpportunityFactory(tenant=tenant, owner=owner, amount=Decimal(amount), created_date=created, close_date=closed,
                              stage=stage, is_closed=is_closed, is_won=is_won, **kw)


@pytest.fixture
def world(db):
    tenant = TenantFactory(slug="metrics", fiscal_year_start_month=1)
    ann = SellerFactory(tenant=tenant, email="ann@m.test", team="East", region="EMEA")
    bob = SellerFactory(tenant=tenant, email="bob@m.test", team="West", region="AMER")
    SellerFactory(tenant=tenant, email="idle@m.test", team="North", region="APAC")
    # ann: won 1000 (30 days, 2017Q1), won 2500.50 (40 days, 2017Q2), lost 700 (on D), open 300 (age 30)
    _deal(tenant, ann, "1000.00", dt.date(2017, 1, 1), dt.date(2017, 1, 31), "won")
    _deal(tenant, ann, "2500.50", dt.date(2017, 3, 1), dt.date(2017, 4, 10), "won")
    _deal(tenant, ann, "700.00", dt.date(2017, 2, 1), dt.date(2017, 6, 30), "lost")
    _deal(tenant, ann, "300.00", dt.date(2017, 5, 31), None, "open")
    # bob: open 400 (age 31) carrying its own team "Special"; open 60 (age 181); open 80 with no created date;
    # won on 2017-07-01 (after D: open, age 0); created after D (ignored)
    _deal(tenant, bob, "400.00", dt.date(2017, 5, 30), dt.date(2017, 8, 1), "open", team="Special")
    _deal(tenant, bob, "60.00", dt.date(2016, 12, 31), None, "open")
    _deal(tenant, bob, "80.00", None, None, "open")
    _deal(tenant, bob, "90.00", dt.date(2017, 6, 30), dt.date(2017, 7, 1), "won")
    _deal(tenant, bob, "999.00", dt.date(2017, 7, 1), None, "open")
    return tenant


def run(*args) -> dict:
    out = StringIO()
    call_command("pipeline_metrics", *args, stdout=out)
    return json.loads(out.getvalue())


def test_command_prints_the_published_metrics(world):
    doc = run("--tenant", "metrics", "--as-of", "2017-06-30", "--format", "json")
    assert doc["as_of"] == "2017-06-30"
    assert doc["overall"] == {
        "opportunities": 8, "won_count": 2, "lost_count": 1, "win_rate": 0.666667, "bookings": "3500.50",
        "avg_won_deal": "1750.25", "median_cycle_days_won": 35.0, "open_count": 5, "open_amount": "930.00",  # 300+400+60+80+90
    }
    assert doc["aging"] == {
        "0-30": {"count": 2, "amount": "390.00"}, "31-60": {"count": 1, "amount": "400.00"},
        "61-90": {"count": 0, "amount": "0.00"}, "91-180": {"count": 0, "amount": "0.00"},
        "181+": {"count": 1, "amount": "60.00"},
    }
    assert doc["bookings_by_quarter"] == {"2017Q1": "1000.00", "2017Q2": "2500.50"}
    assert set(doc["by_owner"]) == {"ann@m.test", "bob@m.test", "idle@m.test"}
    assert doc["by_owner"]["idle@m.test"] == {
        "opportunities": 0, "won_count": 0, "lost_count": 0, "win_rate": None, "bookings": "0.00",
        "avg_won_deal": None, "median_cycle_days_won": None, "open_count": 0, "open_amount": "0.00"}
    assert doc["by_owner"]["bob@m.test"]["open_count"] == 4 and doc["by_owner"]["bob@m.test"]["won_count"] == 0
    # The deal's own team wins over its owner's; the idle seller's team and region appear with zeros.
    assert doc["by_team"]["Special"]["open_amount"] == "400.00"
    assert doc["by_team"]["West"]["open_amount"] == "230.00"
    assert doc["by_team"]["East"]["win_rate"] == 0.666667
    assert doc["by_team"]["North"]["opportunities"] == 0
    assert doc["by_region"]["AMER"]["open_amount"] == "630.00" and doc["by_region"]["APAC"]["win_rate"] is None


def test_sql_cells_match_the_pure_reference(world):
    with tenant_atomic(world):
        access = system_access(world)
        qs = scoped_deals(access=access)
        attrs = owner_attrs(access=access)
        rows = [
            {"owner_id": o.owner_id, "team": o.team or o.owner.team, "region": o.region or o.owner.region,
             "amount_cents": to_cents(o.amount), "created_date": o.created_date, "close_date": o.close_date,
             "is_closed": o.is_closed, "is_won": o.is_won}
            for o in qs.select_related("owner")
        ]
        for day in (dt.date(2016, 12, 31), dt.date(2017, 1, 31), D, dt.date(2018, 1, 1)):
            assert metrics(metric_cells(qs, as_of=day, owner_attrs=attrs)) == metrics(deal_cells(rows, day)), day


def test_amounts_convert_to_the_base_currency_at_the_close_date_rate(world):
    from spm.models import FxRate

    with tenant_atomic(world):
        FxRate.all_tenants.create(tenant=world, currency="EUR", rate_to_base=Decimal("1.10"), effective_from=dt.date(2017, 1, 1))
        FxRate.all_tenants.create(tenant=world, currency="EUR", rate_to_base=Decimal("1.20"), effective_from=dt.date(2017, 6, 1))
    owner = SellerFactory(tenant=world, email="eu@m.test")
    _deal(world, owner, "100.00", dt.date(2017, 1, 1), dt.date(2017, 2, 1), "won", currency="EUR")  # 110.00
    _deal(world, owner, "100.00", dt.date(2017, 1, 1), None, "open", currency="EUR")  # open: rate on D, 120.00
    doc = run("--tenant", "metrics", "--as-of", "2017-06-30")
    assert doc["by_owner"]["eu@m.test"]["bookings"] == "110.00"
    assert doc["by_owner"]["eu@m.test"]["open_amount"] == "120.00"


def test_a_tenant_without_deals_lists_its_sellers_with_zeros(db):
    tenant = TenantFactory(slug="empty")
    SellerFactory(tenant=tenant, email="only@e.test")
    doc = run("--tenant", "empty", "--as-of", "2020-01-01")
    assert doc["overall"]["opportunities"] == 0 and doc["overall"]["win_rate"] is None
    assert doc["by_owner"]["only@e.test"]["open_amount"] == "0.00"
    assert doc["bookings_by_quarter"] == {}
    assert doc["aging"]["181+"] == {"count": 0, "amount": "0.00"}


def test_bad_arguments_are_command_errors(world):
    with pytest.raises(CommandError, match="not a date"):
        run("--tenant", "metrics", "--as-of", "30/06/2017")
    with pytest.raises(CommandError, match="No tenant"):
        run("--tenant", "nope", "--as-of", "2017-06-30")


def test_end_to_end_from_canonical_csv_imports(db, tmp_path):
    """Sellers and deals imported with the canonical columns, then the metrics of a tenant the
    import created (January fiscal start: calendar quarters)."""
    sellers = tmp_path / "sellers.csv"
    sellers.write_text(
        "email,name,role,manager_email,region,team\n"
        "boss@c.test,Boss,manager,,EMEA,\n"
        "ann@c.test,Ann,rep,boss@c.test,EMEA,East\n"
        "idle@c.test,Idle,rep,boss@c.test,APAC,North\n", encoding="utf-8")
    deals = tmp_path / "deals.csv"
    deals.write_text(
        "external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed\n"
        "D1,Acme,ann@c.test,Won,1000.00,USD,2017-01-01,2017-01-31,true,true\n"
        "D2,,ann@c.test,Lost,500,USD,2017-02-01,2017-04-15,false,true\n"
        "D3,Acme,ann@c.test,Engaging,300,USD,2017-05-31,,false,false\n"
        "D4,,ann@c.test,Engaging,70,USD,,,false,false\n", encoding="utf-8")
    call_command("import_sellers", str(sellers), "--tenant", "csvco", stdout=StringIO())
    call_command("import_opportunities", str(deals), "--tenant", "csvco", stdout=StringIO())
    doc = run("--tenant", "csvco", "--as-of", "2017-06-30", "--format", "json")
    assert doc["overall"] == {
        "opportunities": 4, "won_count": 1, "lost_count": 1, "win_rate": 0.5, "bookings": "1000.00",
        "avg_won_deal": "1000.00", "median_cycle_days_won": 30.0, "open_count": 2, "open_amount": "370.00",
    }
    assert doc["bookings_by_quarter"] == {"2017Q1": "1000.00"}
    assert doc["aging"]["0-30"] == {"count": 1, "amount": "300.00"}  # D4 has no created date: in no bucket
    assert set(doc["by_owner"]) == {"boss@c.test", "ann@c.test", "idle@c.test"}
    assert doc["by_team"]["East"]["opportunities"] == 4 and doc["by_team"]["North"]["opportunities"] == 0
    assert doc["by_region"]["EMEA"]["won_count"] == 1 and doc["by_region"]["APAC"]["win_rate"] is None
