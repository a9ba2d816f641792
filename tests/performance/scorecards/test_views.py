"""Scorecard pages: scope by role, attainment from planning quotas, histogram, drill-down, 404s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from performance.pipeline.metrics import to_cents
from performance.pipeline.selectors import pipeline_overview, quota_rows_for, scoped_deals, seller_infos, system_access
from performance.scorecards.engine import cells_from_deals, scorecards
from performance.scorecards.selectors import scorecard_cells
from spm.tenancy.db import tenant_atomic
from tests.factories import OpportunityFactory, QuotaFactory

pytestmark = pytest.mark.django_db


def url(world, name="scorecards", **query):
    kwargs = {"tenant": world.tenant.slug}
    if "pk" in query:
        kwargs["pk"] = query.pop("pk")
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return reverse(f"performance:{name}", kwargs=kwargs) + (f"?{q}" if q else "")


@pytest.fixture
def world(acme):
    # acme: rep won 60,000 and peer won 40,000 on 2027-01-15 (created 2026-11-01); quotas 100,000 for 2027-Q1.
    OpportunityFactory(tenant=acme.tenant, owner=acme.sellers["rep"], amount=Decimal("20000.00"),
                       created_date=dt.date(2027, 1, 1), close_date=dt.date(2027, 2, 1), stage="Lost",
                       is_closed=True, is_won=False)
    return acme


def test_revops_sees_every_seller_with_attainment_and_the_distribution(client, world, django_assert_max_num_queries):
    client.force_login(world.users["revops"])
    with django_assert_max_num_queries(20):
        r = client.get(url(world, period="2027-Q1", as_of="2027-03-31"))
    assert r.status_code == 200
    by_label = {c.label: c.figures for c in r.context["rows"]}
    assert by_label["acme Rep"]["attainment"] == 0.6 and by_label["acme Rep"]["win_rate"] == 0.5
    assert by_label["acme Peer"]["attainment"] == 0.4 and by_label["acme Peer"]["cycle_days"] == 75.0
    assert r.context["hist"]["50–75%"] == 1 and r.context["hist"]["<50%"] == 1
    assert [c.label for c in r.context["leaders"]][:2] == ["acme Rep", "acme Peer"]
    assert "attainment-histogram" in r.content.decode()


def test_a_manager_sees_their_subtree_and_team_cards_drill_down(client, world):
    client.force_login(world.users["manager"])
    r = client.get(url(world, period="2027-Q1"))
    labels = {c.label for c in r.context["rows"]}
    assert "acme Rep" in labels and "acme Peer" not in labels
    r = client.get(url(world, period="2027-Q1", kind="team"))
    assert r.status_code == 200 and all(c.href.startswith("?") for c in r.context["rows"])


def test_seller_scorecard_and_its_404s(client, world, globex):
    client.force_login(world.users["manager"])
    r = client.get(url(world, "scorecard_seller", pk=world.sellers["rep"].pk, period="2027-Q1"))
    assert r.status_code == 200 and r.context["f"]["bookings"] == "60000.00"
    assert [t["period"] for t in r.context["trend"]][-1] == "2027-Q1"
    assert client.get(url(world, "scorecard_seller", pk=world.sellers["peer"].pk)).status_code == 404
    assert client.get(url(world, "scorecard_seller", pk=globex.sellers["rep"].pk)).status_code == 404


def test_a_rep_sees_only_their_own_card(client, world):
    client.force_login(world.users["rep"])
    r = client.get(url(world, period="2027-Q1"))
    assert [c.label for c in r.context["rows"]] == ["acme Rep"]


def test_bad_kind_is_named(client, world):
    client.force_login(world.users["revops"])
    r = client.get(url(world, kind="planet"))
    assert r.status_code == 200 and "kind" in " ".join(r.context["errors"])


def test_sql_scorecard_cells_match_the_pure_reference(world):
    with tenant_atomic(world.tenant):
        access = system_access(world.tenant)
        qs = scoped_deals(access=access)
        rows = [{"owner_id": o.owner_id, "deal_type": o.deal_type, "is_closed": o.is_closed, "is_won": o.is_won,
                 "created_date": o.created_date, "close_date": o.close_date, "amount_cents": to_cents(o.amount)}
                for o in qs]
        sellers = seller_infos(access=access)
        quotas = quota_rows_for(access=access, seller_ids=[s.id for s in sellers])
        sql = scorecards(scorecard_cells(qs, as_of=dt.date(2027, 3, 31)), sellers=sellers, quotas=quotas,
                         period="2027-Q1", fy_start_month=1)
        pure = scorecards(cells_from_deals(rows), sellers=sellers, quotas=quotas, period="2027-Q1", fy_start_month=1)
    assert [c.figures for c in sql["seller"]] == [c.figures for c in pure["seller"]]


def test_a_managers_roll_up_quota_shows_their_teams_attainment_and_counts_once(client, world):
    # The manager's quota is the roll-up of their one report's (acme Rep: 100,000, won 60,000 in 2027-Q1).
    QuotaFactory(tenant=world.tenant, seller=world.sellers["manager"])
    client.force_login(world.users["manager"])
    r = client.get(url(world, period="2027-Q1", as_of="2027-03-31"))
    mine = next(c for c in r.context["rows"] if c.label == "acme Manager")
    assert mine.reports == 1 and mine.figures["bookings"] == "60000.00" and mine.figures["attainment"] == 0.6
    assert "with 1 below" in r.content.decode()
    assert r.context["attained_count"] == 1  # the rep: the manager's team figure is not a person's
    assert r.context["trend"][-1]["quota"] == "100000.00"  # not 200,000
    r = client.get(url(world, "scorecard_seller", pk=world.sellers["manager"].pk, period="2027-Q1", as_of="2027-03-31"))
    assert r.context["f"]["bookings"] == "60000.00" and r.context["f"]["quota"] == "100000.00"
    team = sorted([world.sellers["manager"].pk, world.sellers["rep"].pk])
    assert f"?owner={team[0]},{team[1]}&amp;period=2027-Q1" in r.content.decode()  # the team's pipeline
    with tenant_atomic(world.tenant):
        overview = pipeline_overview(access=system_access(world.tenant), as_of=dt.date(2027, 1, 1), period="2027-Q1")
    # acme Rep's and acme Peer's 100,000 each; the manager's roll-up is left out.
    assert overview["coverage"]["quota"] == "200000.00"
