"""Pipeline API: the same document as the command, scoped to the viewer, 400 on bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def api(world, name, **query):
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/v1/t/{world.tenant.slug}/pipeline/{name}/" + (f"?{q}" if q else "")


@pytest.fixture
def world(acme):
    OpportunityFactory(tenant=acme.tenant, owner=acme.sellers["rep"], amount=Decimal("25000.00"),
                       created_date=dt.date(2027, 1, 1), close_date=dt.date(2027, 3, 20), stage="negotiation",
                       is_closed=False, is_won=False)
    return acme


def test_metrics_endpoint_returns_the_command_document(client, world, django_assert_max_num_queries):
    client.force_login(world.users["manager"])
    with django_assert_max_num_queries(25):
        r = client.get(api(world, "metrics", as_of="2027-02-15"))
    assert r.status_code == 200
    doc = r.json()
    assert list(doc) == ["as_of", "overall", "by_region", "by_team", "by_owner", "bookings_by_quarter", "aging"]
    assert doc["overall"]["open_amount"] == "25000.00" and doc["overall"]["bookings"] == "60000.00"
    assert doc["bookings_by_quarter"] == {"2027Q1": "60000.00"}


def test_overview_flow_and_risks_answer_json(client, world):
    client.force_login(world.users["revops"])
    o = client.get(api(world, "overview", as_of="2027-02-15", period="2027-Q1")).json()
    assert o["coverage"]["remaining_quota"] == "100000.00"  # 200,000 quota - 100,000 booked
    assert o["coverage"]["coverage"] == 0.25 and o["period_start"] == "2027-01-01"
    f = client.get(api(world, "flow", flow_from="2027-01-01", flow_to="2027-02-15")).json()
    assert f["flow"]["won"] == {"count": 2, "amount": "100000.00"}
    r = client.get(api(world, "risks", as_of="2027-02-15")).json()
    assert r["slipped"]["count"] == 0


def test_bad_parameters_are_400_naming_them(client, world):
    client.force_login(world.users["revops"])
    r = client.get(api(world, "metrics", as_of="someday"))
    assert r.status_code == 400 and "as_of" in str(r.json())


def test_other_tenants_and_anonymous_callers_get_nothing(client, world, globex):
    assert client.get(api(world, "metrics")).status_code == 401
    client.force_login(globex.users["admin"])
    assert client.get(api(world, "metrics")).status_code == 404
