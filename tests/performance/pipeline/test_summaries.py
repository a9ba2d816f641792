"""Pipeline summaries equal the exact computation after every kind of write, and serve the page.

Hand-made tenant (as of 2017-06-30, quarter 2017-Q2): two owners under a manager plus an idle one,
won / lost / open deals, a deal with its own team, deals with no created or close date, a deal
created after the day, a deal closed after the day (open on it) and EUR deals converted at the
close-date rate (open ones at the day's rate). Each test compares the report and the period money
computed from the summary rows with the same computed over the deals.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from performance.models import Opportunity, PipelineOwnerRollup, PipelineStageNorm, PipelineSummary, StageChange
from performance.pipeline import inspection, selectors
from performance.pipeline.metrics import report, top_of_owners
from performance.pipeline.selectors import (
    PipelineFilters,
    metric_cells,
    owner_attrs,
    period_money,
    scoped_deals,
    seller_refs,
    system_access,
)
from performance.pipeline.summaries import (
    COLUMNS,
    ROLLUP_COLUMNS,
    pipeline_summaries_rebuild,
    pipeline_summaries_refresh,
    rollups_of,
    stored_stage_norms,
    summary_cells,
    summary_report,
    summary_serves,
)
from performance.services import opportunity_update, opportunity_upsert
from planning.models import Seller
from spm.models import FxRate, Membership
from spm.roles import Role
from spm.tenancy.access import TenantAccess
from spm.tenancy.db import tenant_atomic
from tests.factories import (
    MembershipFactory,
    OpportunityFactory,
    QuotaFactory,
    SellerFactory,
    TenantFactory,
    UserFactory,
)

D = dt.date(2017, 6, 30)
PERIOD = "2017-Q2"


def _deal(tenant, owner, amount, created, closed, state, **kw):
    is_closed, is_won = {"won": (True, True), "lost": (True, False), "open": (False, False)}[state]
    stage = {"won": "Won", "lost": "Lost", "open": "Engaging"}[state]
    return OpportunityFactory(tenant=tenant, owner=owner, amount=Decimal(amount), created_date=created, close_date=closed,
                              stage=stage, is_closed=is_closed, is_won=is_won, **kw)


class World:
    pass


@pytest.fixture
def world(db, settings):
    settings.PIPELINE_SUMMARIES = True
    w = World()
    w.tenant = tenant = TenantFactory(slug="summ", fiscal_year_start_month=1)
    w.user = UserFactory(username="boss@s.test", email="boss@s.test")
    w.membership = MembershipFactory(tenant=tenant, user=w.user, role=Role.MANAGER)
    w.boss = SellerFactory(tenant=tenant, email="boss@s.test", team="East", region="EMEA", user=w.user,
                           role_type="manager")
    w.ann = SellerFactory(tenant=tenant, email="ann@s.test", team="East", region="EMEA", manager=w.boss, segment="SMB")
    w.bob = SellerFactory(tenant=tenant, email="bob@s.test", team="West", region="AMER", manager=w.boss, segment="ENT")
    w.idle = SellerFactory(tenant=tenant, email="idle@s.test", team="North", region="APAC")
    with tenant_atomic(tenant):
        FxRate.all_tenants.create(tenant=tenant, currency="EUR", rate_to_base=Decimal("1.10"), effective_from=dt.date(2017, 1, 1))
        FxRate.all_tenants.create(tenant=tenant, currency="EUR", rate_to_base=Decimal("1.20"), effective_from=dt.date(2017, 6, 1))
    _deal(tenant, w.ann, "1000.00", dt.date(2017, 1, 1), dt.date(2017, 1, 31), "won")
    _deal(tenant, w.ann, "2500.50", dt.date(2017, 3, 1), dt.date(2017, 4, 10), "won")
    _deal(tenant, w.ann, "700.00", dt.date(2017, 2, 1), dt.date(2017, 6, 30), "lost")
    _deal(tenant, w.ann, "300.00", dt.date(2017, 5, 31), None, "open")
    _deal(tenant, w.ann, "100.05", dt.date(2017, 2, 1), dt.date(2017, 3, 1), "won", currency="EUR")
    _deal(tenant, w.ann, "100.05", dt.date(2017, 4, 1), None, "open", currency="EUR")
    _deal(tenant, w.bob, "400.00", dt.date(2017, 5, 30), dt.date(2017, 8, 1), "open", team="Special")
    _deal(tenant, w.bob, "60.00", dt.date(2016, 12, 31), dt.date(2017, 6, 1), "open", region="LATAM")
    _deal(tenant, w.bob, "80.00", None, None, "open")
    _deal(tenant, w.bob, "90.00", dt.date(2017, 6, 30), dt.date(2017, 7, 1), "won")
    _deal(tenant, w.bob, "999.00", dt.date(2017, 7, 1), None, "open")
    _deal(tenant, w.idle, "55.00", dt.date(2017, 6, 1), dt.date(2017, 6, 20), "won")
    with tenant_atomic(tenant):
        pipeline_summaries_rebuild(as_of=D)
    return w


def manager_access(w) -> TenantAccess:
    return TenantAccess(tenant=w.tenant, membership=Membership.all_tenants.get(pk=w.membership.pk))


def both(w, access=None, filters=None):
    """(from the summary, exact) report + period money for one view."""
    with tenant_atomic(w.tenant):
        access = access or system_access(w.tenant)
        refs = seller_refs(access=access, filters=filters)
        exact = metric_cells(scoped_deals(access=access, filters=filters), as_of=D, owner_attrs=owner_attrs(access=access),
                             period=(dt.date(2017, 4, 1), dt.date(2017, 6, 30)))
        summ = summary_cells(access=access, as_of=D, period=PERIOD, filters=filters)
        assert summ is not None, "the summary should serve this view"
        return tuple((report(c, as_of=D, sellers=refs, fy_start_month=1), period_money(c)) for c in (summ, exact))


def views(w) -> list[tuple]:
    """(access, filters) of every view the summary serves: tenant-wide, the manager's subtree,
    each filter (a deal's own team, a region only a deal carries)."""
    return [
        (None, None),
        (manager_access(w), None),
        (None, PipelineFilters(team="East")),
        (None, PipelineFilters(team="Special")),
        (None, PipelineFilters(region="LATAM")),
        (None, PipelineFilters(segment="ENT")),
        (None, PipelineFilters(owner_ids=frozenset({w.ann.pk}))),
    ]


def assert_equal_everywhere(w):
    """The summary's cells and its SQL roll-up (``summary_report``, every view without a team or
    region filter) both give the exact report and period money."""
    for access, filters in views(w):
        from_summary, exact = both(w, access, filters)
        assert from_summary == exact, filters
        with tenant_atomic(w.tenant):
            access = access or system_access(w.tenant)
            rolled = summary_report(access=access, as_of=D, period=PERIOD, filters=filters,
                                    sellers=seller_refs(access=access, filters=filters))
        if filters is not None and (filters.team or filters.region):
            assert rolled is None  # they filter on each deal's resolved team/region: the cell path
        else:
            assert rolled == exact, filters
            with tenant_atomic(w.tenant):
                top = summary_report(access=access, as_of=D, period=PERIOD, filters=filters,
                                     sellers=seller_refs(access=access, filters=filters), owner_limit=1)
            assert top == ({**exact[0], "by_owner": top_of_owners(exact[0]["by_owner"], 1)}, exact[1]), filters
    assert_rollups_consistent(w)


def assert_rollups_consistent(w):
    """The roll-up rows kept by the writes are those of the summary rows they roll up (a fresh
    roll-up), and one per (owner, own team, own region) — nothing left behind by a reassignment."""
    with tenant_atomic(w.tenant):
        stored = sorted(PipelineOwnerRollup.objects.values_list(*ROLLUP_COLUMNS))
        fresh = rollups_of(PipelineSummary.objects.order_by().values_list(*COLUMNS))
        assert stored == sorted(tuple(getattr(r, c) for c in ROLLUP_COLUMNS) for r in fresh)
        keys = set(PipelineSummary.objects.values_list("owner_id", "team", "region"))
        assert {r[:3] for r in stored} == keys


def test_a_rebuilt_summary_equals_the_exact_computation(world):
    assert_equal_everywhere(world)
    doc, money = both(world)[0]
    assert doc["overall"]["open_count"] == 6  # 300, EUR, 400, 60 (slipped), 80 (no dates), 90 (closes after D)
    assert money == {"pipeline": 6000, "booked": 250050 + 5500}  # closing (the slipped 60) / won in 2017-Q2
    with tenant_atomic(world.tenant):
        assert PipelineSummary.objects.count() < Opportunity.objects.count()


def test_service_creates_updates_closes_and_reassignments_keep_it_exact(world):
    with tenant_atomic(world.tenant):
        new, _ = opportunity_upsert(external_id="N1", owner=world.ann, amount="123.45", stage="Engaging",
                                    close_date=dt.date(2017, 6, 15), created_date=dt.date(2017, 6, 1))
    assert_equal_everywhere(world)
    with tenant_atomic(world.tenant):
        opportunity_update(opportunity=new, amount=Decimal("500.00"))
        opportunity_update(opportunity=new, owner=world.bob)  # both owners' rows move
    assert_equal_everywhere(world)
    with tenant_atomic(world.tenant):
        opportunity_update(opportunity=new, stage="Won", is_closed=True, is_won=True)
        lost = Opportunity.objects.get(amount=Decimal("300.00"))
        opportunity_update(opportunity=lost, stage="Lost", is_closed=True, is_won=False, close_date=dt.date(2017, 6, 29))
    assert_equal_everywhere(world)
    assert both(world)[0][0]["by_owner"]["bob@s.test"]["bookings"] == "500.00"  # his 90 closes after D


def test_a_delete_refreshed_through_the_hook_stays_exact(world):
    with tenant_atomic(world.tenant):
        victim = Opportunity.objects.get(amount=Decimal("400.00"))
        owner = victim.owner_id
        victim.delete()
        pipeline_summaries_refresh(owner_ids=[owner])
    assert_equal_everywhere(world)


def test_an_import_keeps_it_exact_and_refreshes_the_stage_norms(world, tmp_path):
    with tenant_atomic(world.tenant):
        first = Opportunity.objects.filter(owner=world.ann).order_by("id").first()
    deals = tmp_path / "deals.csv"
    deals.write_text(
        "external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed\n"
        f"{first.external_id},,bob@s.test,Won,1500.00,USD,2017-01-01,2017-02-01,true,true\n"
        "I1,,ann@s.test,Engaging,42.00,USD,2017-06-01,2017-06-25,false,false\n"
        "I2,,idle@s.test,Lost,17.00,USD,2017-03-01,2017-05-01,false,true\n", encoding="utf-8")
    call_command("import_opportunities", str(deals), "--tenant", "summ", "--as-of", "2017-06-30", stdout=StringIO())
    assert_equal_everywhere(world)


def test_stage_norms_are_stored_by_the_roll_and_read_from_the_store(world):
    with tenant_atomic(world.tenant):
        for i, deal in enumerate(Opportunity.objects.order_by("id")[:6]):
            at = dt.datetime(2017, 1, 1, tzinfo=dt.UTC)
            StageChange.objects.create(opportunity=deal, from_stage="", to_stage="Engaging", changed_at=at)
            StageChange.objects.create(opportunity=deal, from_stage="Engaging", to_stage="Won",
                                       changed_at=at + dt.timedelta(days=10 + i))
        pipeline_summaries_rebuild(as_of=D)
        assert stored_stage_norms() == selectors.stage_norms() == {"Engaging": 13.8}  # p75 of 10..15 days = 13.75, one decimal
        assert PipelineStageNorm.objects.get().stays == 6
        assert selectors.cached_stage_norms(tenant_id=world.tenant.pk) == {"Engaging": 13.8}


def test_the_summary_serves_only_its_day_period_and_no_product_filter(world):
    with tenant_atomic(world.tenant):
        assert summary_serves(as_of=D, period=PERIOD, filters=None)
        assert not summary_serves(as_of=D + dt.timedelta(days=1), period=PERIOD, filters=None)
        assert not summary_serves(as_of=D, period="2017-Q3", filters=None)
        assert not summary_serves(as_of=D, period=PERIOD, filters=PipelineFilters(product="Cloud"))


@pytest.mark.postgres  # the dirty trigger is PostgreSQL's
def test_a_write_that_skips_the_refresh_is_never_read(world):
    with tenant_atomic(world.tenant):
        Opportunity.objects.filter(owner=world.ann).update(amount=Decimal("1.00"))  # no hook
        assert not summary_serves(as_of=D, period=PERIOD, filters=None)
        pipeline_summaries_refresh(owner_ids=[world.ann.pk])
        assert summary_serves(as_of=D, period=PERIOD, filters=None)
        FxRate.objects.create(currency="EUR", rate_to_base=Decimal("2"), effective_from=dt.date(2017, 6, 15))
        assert not summary_serves(as_of=D, period=PERIOD, filters=None)
        pipeline_summaries_refresh(owner_ids=None)
    assert_equal_everywhere(world)


def test_the_page_reads_the_summary_in_bounded_queries_and_equals_the_exact_page(client, world, settings, monkeypatch,
                                                                                 django_assert_max_num_queries):
    url = reverse("performance:pipeline", kwargs={"tenant": world.tenant.slug}) + f"?as_of={D.isoformat()}"
    client.force_login(world.user)

    def no_deal_scan(*args, **kwargs):
        raise AssertionError("the page scanned the deals instead of reading the summary")

    with monkeypatch.context() as m:
        m.setattr(selectors, "metric_cells", no_deal_scan)
        with django_assert_max_num_queries(17):
            from_summary = client.get(url)
    assert from_summary.status_code == 200
    settings.PIPELINE_SUMMARIES = False
    exact = client.get(url)
    assert from_summary.context["doc"] == exact.context["doc"]
    assert from_summary.context["overview"]["coverage"] == exact.context["overview"]["coverage"]
    assert from_summary.context["overview"]["velocity"] == exact.context["overview"]["velocity"]
    assert set(from_summary.context["doc"]["by_owner"]) == {"boss@s.test", "ann@s.test", "bob@s.test"}


def test_the_page_lists_the_largest_owners_from_the_rollups_as_the_exact_page(client, world, settings, monkeypatch):
    """With fewer rows than owners, the page's owners (the largest open pipelines, ties by e-mail)
    and their figures, the "more sellers" count and the charts equal the exact page's."""
    from performance.pipeline import views

    monkeypatch.setattr(views, "OWNER_ROWS", 2)
    url = reverse("performance:pipeline", kwargs={"tenant": world.tenant.slug}) + f"?as_of={D.isoformat()}"
    client.force_login(world.user)
    with monkeypatch.context() as m:
        m.setattr("performance.pipeline.summaries.summary_cells", lambda *a, **k: pytest.fail("read the cells"))
        served = client.get(url)
    settings.PIPELINE_SUMMARIES = False
    exact = client.get(url)
    assert [r["label"] for r in served.context["owner_rows"]] == [r["label"] for r in exact.context["owner_rows"]]
    assert served.context["owner_rows"] == exact.context["owner_rows"] and len(served.context["owner_rows"]) == 2
    assert served.context["owners_more"] == exact.context["owners_more"] == 1
    assert served.context["doc"] == exact.context["doc"]

    def page(response) -> str:  # the charts' element ids and the CSRF token are random
        text = re.sub(r"chart-[0-9a-f]{12}", "chart", response.content.decode())
        return re.sub(r"[A-Za-z0-9]{64}", "token", text)

    assert page(served) == page(exact)


def test_the_metrics_api_reads_the_rollups_in_bounded_queries_and_equals_the_command(client, world, monkeypatch,
                                                                                    django_assert_max_num_queries):
    client.force_login(world.user)
    url = f"/api/v1/t/{world.tenant.slug}/pipeline/metrics/?as_of={D.isoformat()}"

    def no_cells(*args, **kwargs):
        raise AssertionError("the API read cells instead of the owners' roll-up rows")

    with monkeypatch.context() as m:
        m.setattr(selectors, "metric_cells", no_cells)
        m.setattr("performance.pipeline.summaries.summary_cells", no_cells)
        with django_assert_max_num_queries(13):  # request bookkeeping (6 on PostgreSQL), state, scope, sellers, roll-ups
            served = client.get(url)
    assert served.status_code == 200
    with tenant_atomic(world.tenant):
        access = manager_access(world)
        exact = selectors.pipeline_report(access=access, as_of=D)  # the command's computation over the deals
    assert served.json() == exact


def test_coverage_reads_only_the_quotas_of_the_period_and_equals_every_quota_rated(world):
    """The overview reads the quota rows of the period's months, quarters and years only; the
    ramped total equals ``ramped_quota_cents`` over every quota row of the sellers."""
    from performance.scorecards.engine import ramped_quota_cents

    for seller, period, amount in ((world.ann, "2017-Q2", "90000.00"), (world.ann, "2017-Q1", "5.00"),
                                   (world.bob, "2017-05", "10000.00"), (world.bob, "2017", "120000.00"),
                                   (world.bob, "2018", "7.00"), (world.idle, "2016-Q4", "3.00")):
        QuotaFactory(tenant=world.tenant, seller=seller, period=period, amount=Decimal(amount))
    with tenant_atomic(world.tenant):
        Seller.objects.update(hire_date=dt.date(2015, 1, 1))  # fully ramped
        access = system_access(world.tenant)
        overview = selectors.pipeline_overview(access=access, as_of=D, period=PERIOD)
        every = selectors.quota_rows_for(access=access)
        sellers = selectors.seller_infos(access=access)
    rated = [ramped_quota_cents(every, s, PERIOD, 1) for s in sellers]
    total = sum(c for c in rated if c is not None)
    assert total == 90000_00 + 10000_00 + 2 * 10000_00  # bob: May's own, April and June a twelfth of the year
    assert overview["coverage"] == inspection.coverage(pipeline_cents=6000, quota_cents=total, booked_cents=255550)


def test_a_read_of_today_on_rows_of_another_day_rolls_the_summary_once(client, world, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    """The page answers from the exact path and schedules one roll; the next read is served."""
    from django.core.cache import cache

    today = dt.date(2017, 7, 3)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: today)
    cache.delete(f"pipeline:summary-roll:{world.tenant.pk}:{today.isoformat()}")
    url = reverse("performance:pipeline", kwargs={"tenant": world.tenant.slug})
    client.force_login(world.user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.get(url).status_code == 200
    assert len(callbacks) == 1
    with tenant_atomic(world.tenant):
        assert summary_serves(as_of=today, period="2017-Q3", filters=None)
    with django_capture_on_commit_callbacks() as again:
        client.get(url)
    assert again == []  # served: nothing more to roll


@pytest.mark.parametrize("large", [True, False])
def test_the_served_page_is_cached_until_a_deal_write_refreshes_the_summary(client, world, monkeypatch, large,
                                                                            django_assert_max_num_queries):
    """Served by the summary, its version is already read: cached whatever the deal table's size."""
    url = reverse("performance:pipeline", kwargs={"tenant": world.tenant.slug}) + f"?as_of={D.isoformat()}"
    monkeypatch.setattr(selectors, "_large_tables", lambda: large)
    client.force_login(world.user)
    first = client.get(url).context["doc"]["overall"]["open_amount"]
    with monkeypatch.context() as m:
        m.setattr(selectors, "metric_cells", lambda *a, **k: pytest.fail("computed again"))
        m.setattr("performance.pipeline.summaries.summary_cells", lambda *a, **k: pytest.fail("computed again"))
        with django_assert_max_num_queries(12):  # request bookkeeping, the summary's version, quarters
            assert client.get(url).context["doc"]["overall"]["open_amount"] == first  # from the cache
    with tenant_atomic(world.tenant):
        opportunity_upsert(external_id="C1", owner=world.ann, amount="1000.00", stage="Engaging",
                           close_date=dt.date(2017, 9, 1), created_date=dt.date(2017, 6, 1))
    assert Decimal(client.get(url).context["doc"]["overall"]["open_amount"]) == Decimal(first) + 1000


# ---- the flow and risk panels (PipelinePanelSummary) -----------------------------------------------------

FLOW_WINDOW = (dt.date(2017, 3, 31), D)  # the default flow of the summary's view: the day before the period to the day


def _stage_history(w):
    """Completed stays for a norm of "Engaging" (p75 of 10..15 days = 13.8), and open deals that
    entered it long ago (stuck) or lately (not stuck)."""
    with tenant_atomic(w.tenant):
        at = dt.datetime(2017, 1, 1, tzinfo=dt.UTC)
        for i, deal in enumerate(Opportunity.objects.filter(is_closed=True).order_by("id")[:6]):
            StageChange.objects.create(opportunity=deal, from_stage="", to_stage="Engaging", changed_at=at)
            StageChange.objects.create(opportunity=deal, from_stage="Engaging", to_stage=deal.stage,
                                       changed_at=at + dt.timedelta(days=10 + i))
        for deal in Opportunity.objects.filter(is_closed=False, created_date__isnull=False).order_by("id"):
            StageChange.objects.create(opportunity=deal, from_stage="", to_stage="Engaging",
                                       changed_at=dt.datetime.combine(deal.created_date, dt.time(), tzinfo=dt.UTC))
        pipeline_summaries_rebuild(as_of=D)


def panels_both(w, access=None, filters=None):
    """(from the summary, exact) flow and risks of one view; asserts the summary served them."""
    from django.test import override_settings

    from performance.pipeline.summaries import summary_flow_cells, summary_risk_totals

    with tenant_atomic(w.tenant):
        access = access or system_access(w.tenant)
        assert summary_flow_cells(access=access, start=FLOW_WINDOW[0], end=FLOW_WINDOW[1], filters=filters) is not None
        assert summary_risk_totals(access=access, as_of=D, filters=filters) is not None
        served = (selectors.pipeline_flow(access=access, start=FLOW_WINDOW[0], end=FLOW_WINDOW[1], filters=filters),
                  selectors.pipeline_risks(access=access, as_of=D, filters=filters))
        with override_settings(PIPELINE_SUMMARIES=False):
            exact = (selectors.pipeline_flow(access=access, start=FLOW_WINDOW[0], end=FLOW_WINDOW[1], filters=filters),
                     selectors.pipeline_risks(access=access, as_of=D, filters=filters))
        return served, exact


def assert_panels_equal_everywhere(w):
    for access, filters in views(w):
        served, exact = panels_both(w, access, filters)
        assert served == exact, filters


def test_the_panels_from_the_summary_equal_the_exact_computation(world):
    _stage_history(world)
    assert_panels_equal_everywhere(world)
    (flow, risks), _ = panels_both(world)
    assert flow["flow"]["open_end"]["count"] == 6
    assert risks["norms"] == {"Engaging": 13.8}
    assert risks["stuck"]["count"] > 0 and risks["slipped"]["count"] == 1  # the 60 closing 2017-06-01


def test_service_writes_and_stage_changes_keep_the_panels_exact(world):
    _stage_history(world)
    with tenant_atomic(world.tenant):
        new, _ = opportunity_upsert(external_id="N1", owner=world.ann, amount="123.45", stage="Engaging",
                                    close_date=dt.date(2017, 6, 15), created_date=dt.date(2017, 1, 2))
    assert_panels_equal_everywhere(world)
    with tenant_atomic(world.tenant):
        stuck = Opportunity.objects.get(amount=Decimal("400.00"))
    assert stuck.pk in {d["pk"] for d in panels_both(world)[0][1]["stuck"]["deals"]}  # in "Engaging" since May 30
    with tenant_atomic(world.tenant):
        opportunity_update(opportunity=stuck, stage="Negotiating")  # leaves "Engaging": no longer stuck there
        opportunity_update(opportunity=new, owner=world.bob, close_date=dt.date(2017, 9, 1))
        opportunity_update(opportunity=Opportunity.objects.get(amount=Decimal("60.00")), stage="Lost", is_closed=True,
                           close_date=dt.date(2017, 6, 29))
    assert_panels_equal_everywhere(world)
    (_flow, risks), _ = panels_both(world)
    # The deal that left "Engaging" is no longer stuck at once; the norms themselves wait for the roll.
    assert stuck.pk not in {d["pk"] for d in risks["stuck"]["deals"]}
    assert risks["norms"] == {"Engaging": 13.8}
    assert_equal_everywhere(world)


def test_an_import_with_stage_changes_refreshes_norms_and_every_owners_stuck_rows(world, tmp_path):
    _stage_history(world)
    with tenant_atomic(world.tenant):
        first = Opportunity.objects.filter(owner=world.ann, is_closed=False).order_by("id").first()
    deals = tmp_path / "deals.csv"
    deals.write_text(
        "external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed\n"
        f"{first.external_id},,ann@s.test,Proposal,300.00,USD,2017-05-31,2017-07-15,false,false\n"
        "I1,,idle@s.test,Engaging,42.00,USD,2017-01-01,2017-06-25,false,false\n", encoding="utf-8")
    call_command("import_opportunities", str(deals), "--tenant", "summ", "--as-of", "2017-06-30", stdout=StringIO())
    assert_panels_equal_everywhere(world)


def test_the_panels_read_the_summary_in_bounded_queries(client, world, monkeypatch, django_assert_max_num_queries):
    _stage_history(world)
    client.force_login(world.user)
    query = f"?as_of={D.isoformat()}&flow_from={FLOW_WINDOW[0].isoformat()}&flow_to={FLOW_WINDOW[1].isoformat()}"

    def no_deal_scan(*args, **kwargs):
        raise AssertionError("the panel scanned the deals instead of reading the summary")

    with monkeypatch.context() as m:
        m.setattr(selectors, "flow_cells", no_deal_scan)
        with django_assert_max_num_queries(18):
            flow = client.get(reverse("performance:pipeline_flow", kwargs={"tenant": world.tenant.slug}) + query)
        with django_assert_max_num_queries(20):
            risks = client.get(reverse("performance:pipeline_risks", kwargs={"tenant": world.tenant.slug}) + query)
    assert flow.status_code == risks.status_code == 200
    assert flow.context["data"]["flow"]["open_end"]["count"] == 6  # the subtree: ann 2, bob 4 (idle is not in it)


def test_a_flow_window_or_day_the_summary_does_not_hold_takes_the_exact_path(world):
    from performance.pipeline.summaries import summary_flow_cells, summary_risk_totals

    with tenant_atomic(world.tenant):
        access = system_access(world.tenant)
        assert summary_flow_cells(access=access, start=dt.date(2017, 5, 1), end=D, filters=None) is None
        assert summary_risk_totals(access=access, as_of=D - dt.timedelta(days=1), filters=None) is None
        assert summary_risk_totals(access=access, as_of=D, filters=PipelineFilters(product="Cloud")) is None


def test_close_date_moves_in_sql_equal_the_pure_reference(world):
    """Pushed, pulled in, moved after the end day, first recorded after the start day, a row with no
    close date after a dated one, a deal closed by the end day: as ``inspection.close_date_moves``."""
    import pandas as pd

    from performance.models import OpportunityHistory
    from performance.pipeline.inspection import close_date_moves as reference

    start, end = dt.date(2017, 1, 15), dt.date(2017, 2, 28)
    with tenant_atomic(world.tenant):
        deals = list(Opportunity.objects.filter(owner__in=[world.ann, world.bob]).order_by("id"))
        plan = [
            (deals[2], [(dt.date(2017, 1, 1), dt.date(2017, 3, 31)), (dt.date(2017, 2, 1), dt.date(2017, 6, 30))]),
            (deals[7], [(dt.date(2017, 1, 1), dt.date(2017, 6, 30)), (dt.date(2017, 2, 10), dt.date(2017, 4, 30))]),
            (deals[6], [(dt.date(2017, 1, 1), dt.date(2017, 3, 31)), (dt.date(2017, 3, 15), dt.date(2017, 9, 30))]),
            (deals[3], [(dt.date(2017, 2, 1), dt.date(2017, 3, 31))]),
            (deals[8], [(dt.date(2017, 1, 2), dt.date(2017, 5, 1)), (dt.date(2017, 1, 10), None),
                        (dt.date(2017, 2, 5), dt.date(2017, 5, 20))]),
            (deals[0], [(dt.date(2017, 1, 1), dt.date(2017, 1, 20)), (dt.date(2017, 1, 20), dt.date(2017, 1, 31))]),
            (deals[5], [(dt.date(2017, 1, 1), dt.date(2017, 3, 31)), (dt.date(2017, 2, 1), dt.date(2017, 6, 30))]),
        ]
        for deal, rows in plan:
            for as_of, close in rows:
                OpportunityHistory.objects.create(opportunity=deal, as_of=as_of, stage=deal.stage, amount=deal.amount,
                                                  currency=deal.currency, close_date=close, owner_id=deal.owner_id)
        qs = scoped_deals(access=system_access(world.tenant))
        served = selectors.close_date_moves(qs, start=start, end=end)
        history = pd.DataFrame(list(OpportunityHistory.objects.values_list("opportunity_id", "as_of", "close_date")),
                               columns=["opportunity_id", "as_of", "close_date"])
        moves = reference(history, start=start, end=end)
        open_at_end = set(qs.filter(selectors._open_on(end)).values_list("pk", flat=True))
        moves = moves[moves["opportunity_id"].isin(open_at_end)]
    expected = {kind: sorted(moves[moves["move"] == kind]["opportunity_id"]) for kind in ("pushed", "pulled_in")}
    assert {kind: sorted(d["pk"] for d in served[kind]["deals"]) for kind in expected} == expected
    # deals[5] moved too but is not open on the end day (created later); deals[0] closed by then.
    assert expected == {"pushed": sorted([deals[2].pk, deals[8].pk]), "pulled_in": [deals[7].pk]}
    assert served["pushed"]["count"] == 2 and served["pulled_in"]["count"] == 1
    assert served["pushed"]["amount"] == str(deals[2].amount + deals[8].amount)
    assert served["pulled_in"]["deals"][0]["close_start"] == dt.date(2017, 6, 30)
