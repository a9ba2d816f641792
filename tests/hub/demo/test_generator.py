"""generate_demo: the hierarchy has the documented shape, the data is complete, a seed is deterministic."""

import datetime as dt

import pytest

from compensation.models import CompPlan, PlanAssignment
from performance.models import Opportunity, OpportunityEvent, StageChange
from planning.models import Account, Quota, Seller, Territory
from spm.hub.demo.generator import generate_company
from spm.models import FxRate
from spm.services import tenant_create_or_update
from spm.tenancy.db import tenant_atomic

TODAY = dt.date(2026, 11, 23)
SIZE = {"sellers": 21, "accounts": 80, "opportunities": 400}


def _generate(slug, seed=7):
    tenant = tenant_create_or_update(slug=slug, name=slug.title())
    report = generate_company(tenant=tenant, seed=seed, today=TODAY, **SIZE)
    return tenant, report


def _fingerprint(tenant):
    with tenant_atomic(tenant):
        sellers = list(Seller.objects.order_by("external_id").values_list(
            "external_id", "name", "role_type", "segment", "region", "manager__external_id", "hire_date", "end_date"))
        deals = list(Opportunity.objects.order_by("external_id").values_list(
            "external_id", "owner__external_id", "account__external_id", "amount", "currency", "stage", "deal_type",
            "close_date"))
        quotas = list(Quota.objects.order_by("seller__external_id", "period").values_list(
            "seller__external_id", "period", "amount"))
    return sellers, deals, quotas


@pytest.mark.django_db
def test_it_builds_vp_regions_teams_and_individual_contributors():
    tenant, report = _generate("acme")
    with tenant_atomic(tenant):
        vp = Seller.objects.get(manager__isnull=True)
        regionals = list(Seller.objects.filter(manager=vp))
        teams = list(Seller.objects.filter(manager__in=regionals))
        ics = Seller.objects.filter(manager__in=teams)
        assert vp.title == "VP of Sales"
        assert sorted(r.region for r in regionals) == ["APAC", "EMEA", "NA East", "NA West"]
        assert len(teams) >= 4 and all(t.role_type == "manager" and t.segment for t in teams)
        assert set(ics.values_list("role_type", flat=True)) <= {"AE", "SDR", "CSM"}
        assert ics.filter(role_type="AE").count() >= len(teams)
        # Teams as a CRM has them: a team manager and their reports share a name, unique per team;
        # the managers above the teams belong to none (their quotas roll the teams up).
        assert len({t.team for t in teams}) == len(teams) and all(t.team.startswith(t.region) for t in teams)
        assert all(ic.team == ic.manager.team for ic in ics.select_related("manager"))
        assert vp.team == "" and all(r.team == "" for r in regionals)
        assert Seller.objects.count() == SIZE["sellers"] == 1 + len(regionals) + len(teams) + ics.count()
        assert Territory.objects.count() == len(teams)
        assert Account.objects.count() == SIZE["accounts"]
        assert Opportunity.objects.count() == SIZE["opportunities"]
        assert OpportunityEvent.objects.filter(type="churn").exists()
        assert FxRate.objects.filter(currency__in=["EUR", "GBP"]).exists()
        assert Opportunity.objects.filter(close_date__gt=TODAY).exclude(stage__startswith="closed").exists()
        assert set(CompPlan.objects.values_list("name", flat=True)) == {"AE Plan", "Manager Plan"}
        assert PlanAssignment.objects.count() == Seller.objects.exclude(role_type="SDR").count()
        assert Quota.objects.filter(seller=vp, period="2026-Q4").exists()
    assert report.counts["opportunities"] == SIZE["opportunities"]


@pytest.mark.django_db
def test_every_closed_deal_walks_its_stages_to_its_final_stage():
    tenant, _ = _generate("acme")
    with tenant_atomic(tenant):
        won = Opportunity.objects.filter(stage="closed_won").first()
        path = list(StageChange.objects.filter(opportunity=won).order_by("changed_at").values_list("to_stage", flat=True))
        assert path == ["prospecting", "qualification", "proposal", "negotiation", "closed_won"]
        times = list(StageChange.objects.filter(opportunity=won).order_by("id").values_list("changed_at", flat=True))
        assert times == sorted(times)
        for opp in Opportunity.objects.filter(stage__startswith="closed")[:50]:
            assert opp.stage_changes.order_by("changed_at", "id").last().to_stage == opp.stage


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_company_and_another_seed_does_not():
    first, _ = _generate("acme", seed=7)
    second, _ = _generate("globex", seed=7)
    third, _ = _generate("initech", seed=8)
    assert _fingerprint(first) == _fingerprint(second)
    assert _fingerprint(first)[1] != _fingerprint(third)[1]


@pytest.mark.django_db
def test_it_refuses_a_tenant_that_already_has_sellers():
    tenant, _ = _generate("acme")
    with pytest.raises(ValueError, match="already has sellers"):
        generate_company(tenant=tenant, seed=7, today=TODAY, **SIZE)


@pytest.mark.django_db
def test_a_realistic_share_of_deals_are_multi_year_contracts():
    tenant, _ = _generate("acme")
    with tenant_atomic(tenant):
        terms = list(Opportunity.objects.values_list("deal_type", "contract_term_months"))
    assert {t for _, t in terms} == {12, 24, 36}
    multi_year = sum(t > 12 for _, t in terms) / len(terms)
    assert 0.2 < multi_year < 0.5, multi_year  # most contracts run a year; new logos and renewals often longer
    assert all(t in (12, 24) for deal_type, t in terms if deal_type == "expansion")
