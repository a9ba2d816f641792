"""Pages: who may open what, visibility of statements and deals, bounded queries, approvals.

Personas (tests/factories.py): rep and peer are AEs under different managers; the manager sees
rep but not peer; revops prepared every statement of the fixtures (so revops may not approve
them, and finance may).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from compensation.models import CalculationRun, Statement
from spm.tenancy.db import tenant_atomic
from tests import factories

pytestmark = pytest.mark.django_db

ALL = ["rep", "peer", "manager", "revops", "finance", "executive", "admin"]


def url(name: str, world, **kwargs) -> str:
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kwargs})


def get_as(client, world, persona: str, path: str):
    client.force_login(world.users[persona])
    return client.get(path)


# --- who may open which page ---------------------------------------------------------------------

PAGES = {
    # url name: personas that get 200; everyone else gets 403
    "analytics:dashboard": ALL,
    "planning:sellers": ALL,
    "planning:quotas": ALL,
    "performance:deals": ALL,
    # executives read aggregates on the dashboard, never one person's statement
    "compensation:statements": ["rep", "peer", "manager", "revops", "finance", "admin"],
    "compensation:approvals": ["finance", "admin"],
    "compensation:runs": ["revops", "finance", "admin"],
    "compensation:plans": ["manager", "revops", "finance", "executive", "admin"],
    "analytics:audit": ["finance", "admin"],
    "hub:members": ["admin"],
}


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("persona", ALL)
def test_each_page_opens_for_the_roles_that_may_see_it(client, acme, name, persona):
    response = get_as(client, acme, persona, url(name, acme))
    assert response.status_code == (200 if persona in PAGES[name] else 403)


@pytest.mark.parametrize("name", list(PAGES))
def test_a_member_of_another_tenant_gets_404(client, acme, globex, name):
    response = get_as(client, globex, "admin", url(name, acme))
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, acme):
    response = client.get(url("analytics:dashboard", acme))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_sign_in_and_password_reset_pages_render(client):
    for name in ("login", "password_reset"):
        assert client.get(reverse(name)).status_code == 200


def test_password_reset_sends_an_email(client, acme, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "rep@acme.test"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_home_redirects_to_the_only_workspace(client, acme):
    client.force_login(acme.users["rep"])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == url("analytics:dashboard", acme)


def test_home_offers_a_choice_to_someone_in_two_workspaces(client, acme, globex):
    user = acme.users["finance"]
    factories.MembershipFactory(tenant=globex.tenant, user=user, role="executive")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Acme" in response.content and b"Globex" in response.content


def test_switcher_lists_every_workspace_of_the_user(client, acme, globex):
    user = acme.users["finance"]
    factories.MembershipFactory(tenant=globex.tenant, user=user, role="executive")
    response = get_as(client, acme, "finance", url("compensation:statements", acme))
    assert reverse("switch_tenant", args=["globex"]).encode() in response.content
    response = client.get(reverse("switch_tenant", args=["globex"]))
    assert response["Location"] == url("analytics:dashboard", globex)


def test_switching_to_a_workspace_one_is_not_in_goes_home(client, acme, globex):
    client.force_login(acme.users["rep"])
    response = client.get(reverse("switch_tenant", args=["globex"]))
    assert response["Location"] == reverse("home")


# --- navigation by role ------------------------------------------------------------------------------


def test_reps_do_not_see_finance_links(client, acme):
    content = get_as(client, acme, "rep", url("analytics:dashboard", acme)).content.decode()
    assert url("compensation:statements", acme) in content
    assert url("compensation:approvals", acme) not in content
    assert url("analytics:audit", acme) not in content


def test_admins_see_every_link(client, acme):
    content = get_as(client, acme, "admin", url("analytics:dashboard", acme)).content.decode()
    for name in PAGES:
        assert url(name, acme) in content


# --- dashboards ------------------------------------------------------------------------------------


def test_rep_dashboard_shows_my_latest_statement(client, acme):
    content = get_as(client, acme, "rep", url("analytics:dashboard", acme)).content.decode()
    assert "6,000.00" in content
    assert url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk) in content


def test_manager_dashboard_lists_the_subtree_only(client, acme):
    content = get_as(client, acme, "manager", url("analytics:dashboard", acme)).content.decode()
    assert "acme Rep" in content
    assert "acme Peer" not in content


def test_overview_shows_bookings_and_statement_status(client, acme):
    content = get_as(client, acme, "finance", url("analytics:dashboard", acme)).content.decode()
    assert "Bookings by month" in content
    assert "plotly-graph-div" in content
    assert "100,000.00" in content  # 60,000 + 40,000 closed-won in January


# --- statements: visibility ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "owner", "status"),
    [
        ("rep", "rep", 200), ("rep", "peer", 404),
        ("manager", "rep", 200), ("manager", "peer", 404),
        ("peer", "peer", 200), ("peer", "rep", 404),
        ("finance", "rep", 200), ("revops", "peer", 200), ("admin", "peer", 200),
    ],
)
def test_statement_detail_follows_the_visibility_rule(client, acme, persona, owner, status):
    response = get_as(client, acme, persona, url("compensation:statement_detail", acme, pk=acme.statements[owner].pk))
    assert response.status_code == status


def test_a_statement_of_another_tenant_is_404(client, acme, globex):
    response = get_as(client, acme, "admin", url("compensation:statement_detail", acme, pk=globex.statements["rep"].pk))
    assert response.status_code == 404


def test_reps_do_not_see_draft_statements(client, acme):
    statement = acme.statements["rep"]
    with tenant_atomic(acme.tenant):
        Statement.objects.filter(pk=statement.pk).update(status=Statement.Status.DRAFT)
    assert get_as(client, acme, "rep", url("compensation:statement_detail", acme, pk=statement.pk)).status_code == 404
    assert get_as(client, acme, "finance", url("compensation:statement_detail", acme, pk=statement.pk)).status_code == 200


def test_statement_list_shows_own_statements_to_a_rep(client, acme):
    content = get_as(client, acme, "rep", url("compensation:statements", acme)).content.decode()
    assert url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk) in content
    assert url("compensation:statement_detail", acme, pk=acme.statements["peer"].pk) not in content


def test_statement_detail_shows_lines_and_chart(client, acme):
    response = get_as(client, acme, "rep", url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk))
    content = response.content.decode()
    assert "acme Rep · 2027-01" in content
    assert "plotly-graph-div" in content
    assert "Download CSV" in content
    assert "Approve</button>" not in content  # reps cannot approve


def test_statement_csv_export(client, acme):
    response = get_as(client, acme, "rep", url("compensation:statement_export", acme, pk=acme.statements["rep"].pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[0].startswith("seller,period,position")
    peer = get_as(client, acme, "rep", url("compensation:statement_export", acme, pk=acme.statements["peer"].pk))
    assert peer.status_code == 404


# --- statements: approve and publish through the page -----------------------------------------------------


def test_finance_approves_a_statement_from_its_page(client, acme):
    statement = acme.statements["rep"]
    client.force_login(acme.users["finance"])
    response = client.post(url("compensation:statement_approve", acme, pk=statement.pk), follow=True)
    assert response.status_code == 200
    assert "Approved" in response.content.decode()
    with tenant_atomic(acme.tenant):
        statement.refresh_from_db()
    assert statement.status == Statement.Status.APPROVED
    assert statement.approved_by == acme.users["finance"]


def test_the_preparer_is_refused_with_the_reason(client, acme):
    statement = acme.statements["rep"]
    # revops prepared it; give revops the approving role to reach the segregation-of-duties check
    with tenant_atomic(acme.tenant):
        from spm.models import Membership

        Membership.objects.filter(user=acme.users["revops"]).update(role="finance")
    client.force_login(acme.users["revops"])
    response = client.post(url("compensation:statement_approve", acme, pk=statement.pk), follow=True)
    assert "You prepared this statement" in response.content.decode()
    with tenant_atomic(acme.tenant):
        statement.refresh_from_db()
    assert statement.status == Statement.Status.PUBLISHED


def test_a_rep_cannot_post_an_approval(client, acme):
    client.force_login(acme.users["rep"])
    response = client.post(url("compensation:statement_approve", acme, pk=acme.statements["rep"].pk))
    assert response.status_code == 403


def test_finance_cannot_approve_another_tenants_statement(client, acme, globex):
    client.force_login(acme.users["finance"])
    response = client.post(url("compensation:statement_approve", acme, pk=globex.statements["rep"].pk))
    assert response.status_code == 404


def test_bulk_approval_reports_approved_and_refused(client, acme):
    rep, peer = acme.statements["rep"], acme.statements["peer"]
    with tenant_atomic(acme.tenant):
        Statement.objects.filter(pk=peer.pk).update(prepared_by=acme.users["finance"])
    client.force_login(acme.users["finance"])
    response = client.post(
        url("compensation:approvals", acme), {"action": "approve", "statements": [rep.pk, peer.pk]}, follow=True
    )
    content = response.content.decode()
    assert "Approved 1 statement." in content
    assert "Refused 1" in content and "You prepared this statement" in content
    with tenant_atomic(acme.tenant):
        statuses = dict(Statement.objects.values_list("pk", "status"))
    assert statuses[rep.pk] == "approved" and statuses[peer.pk] == "published"


def test_publish_all_drafts_of_a_period(client, acme):
    with tenant_atomic(acme.tenant):
        Statement.objects.update(status=Statement.Status.DRAFT)
    client.force_login(acme.users["finance"])
    response = client.post(url("compensation:approvals", acme), {"action": "publish_period", "period": "2027-01"}, follow=True)
    assert "Published 2 draft statements of 2027-01." in response.content.decode()
    with tenant_atomic(acme.tenant):
        assert set(Statement.objects.values_list("status", flat=True)) == {"published"}


def test_publish_a_draft_from_its_page(client, acme):
    statement = acme.statements["rep"]
    with tenant_atomic(acme.tenant):
        Statement.objects.filter(pk=statement.pk).update(status=Statement.Status.DRAFT)
    client.force_login(acme.users["finance"])
    page = client.get(url("compensation:statement_detail", acme, pk=statement.pk)).content.decode()
    assert "Publish to seller" in page
    client.post(url("compensation:statement_publish", acme, pk=statement.pk))
    with tenant_atomic(acme.tenant):
        statement.refresh_from_db()
    assert statement.status == Statement.Status.PUBLISHED


# --- deals, sellers, plans -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "owner", "status"),
    [("rep", "rep", 200), ("rep", "peer", 404), ("manager", "rep", 200), ("manager", "peer", 404), ("revops", "peer", 200)],
)
def test_deal_detail_follows_the_visibility_rule(client, acme, persona, owner, status):
    response = get_as(client, acme, persona, url("performance:deal_detail", acme, pk=acme.deals[owner].pk))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "seller", "status"),
    [("rep", "rep", 200), ("rep", "peer", 404), ("manager", "rep", 200), ("manager", "peer", 404), ("executive", "peer", 200)],
)
def test_seller_detail_follows_the_visibility_rule(client, acme, persona, seller, status):
    response = get_as(client, acme, persona, url("analytics:seller_detail", acme, pk=acme.sellers[seller].pk))
    assert response.status_code == status


def test_seller_tree_is_indented_by_manager(client, acme):
    content = get_as(client, acme, "revops", url("planning:sellers", acme)).content.decode()
    vp, mgr, rep = content.index("acme VP"), content.index("acme Manager"), content.index("acme Rep")
    assert vp < mgr < rep


def test_deal_search_and_stage_filter(client, acme):
    client.force_login(acme.users["revops"])
    content = client.get(url("performance:deals", acme), {"q": "rep deal"}).content.decode()
    assert "acme rep deal" in content and "acme peer deal" not in content
    content = client.get(url("performance:deals", acme), {"stage": "closed_lost"}).content.decode()
    assert "No deals match" in content


def test_plan_detail_renders_tiers_and_json(client, acme):
    content = get_as(client, acme, "revops", url("compensation:plan_detail", acme, pk=acme.plan.pk)).content.decode()
    assert "New business" in content and "100% → and above" in content and "&quot;tiers&quot;" in content
    assert get_as(client, acme, "admin", url("compensation:plan_detail", acme, pk=9_999_999)).status_code == 404


# --- calculation runs --------------------------------------------------------------------------------------


def test_run_progress_polls_until_finished(client, acme):
    with tenant_atomic(acme.tenant):
        run = CalculationRun.objects.create(period_from="2027-01", period_through="2027-01", status="running", progress=40)
    client.force_login(acme.users["revops"])
    fragment = client.get(url("compensation:run_progress", acme, pk=run.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "40%" in fragment
    with tenant_atomic(acme.tenant):
        CalculationRun.objects.filter(pk=run.pk).update(status="succeeded", progress=100)
    fragment = client.get(url("compensation:run_progress", acme, pk=run.pk)).content.decode()
    assert "hx-trigger" not in fragment and "View statements" in fragment


def test_finance_may_not_start_a_run(client, acme):
    client.force_login(acme.users["finance"])
    response = client.post(url("compensation:run_create", acme), {"period_from": "2027-01"})
    assert response.status_code == 403


def test_a_bad_month_is_a_form_error(client, acme):
    client.force_login(acme.users["revops"])
    response = client.post(url("compensation:run_create", acme), {"period_from": "2027-13"})
    assert response.status_code == 200
    assert "Use a month like 2027-01." in response.content.decode()


def test_revops_starts_a_run_and_lands_on_its_progress_page(client, acme):
    client.force_login(acme.users["revops"])
    response = client.post(url("compensation:run_create", acme), {"period_from": "2027-01", "period_through": "2027-01"})
    assert response.status_code == 302
    with tenant_atomic(acme.tenant):
        run = CalculationRun.objects.get()
    assert response["Location"] == url("compensation:run_detail", acme, pk=run.pk)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'id="run-progress"' in page.content.decode()


def test_a_run_of_another_tenant_is_404(client, acme, globex):
    with tenant_atomic(globex.tenant):
        run = CalculationRun.objects.create(period_from="2027-01", period_through="2027-01")
    response = get_as(client, acme, "admin", url("compensation:run_detail", acme, pk=run.pk))
    assert response.status_code == 404


# --- audit ----------------------------------------------------------------------------------------------


def test_audit_shows_the_approval_with_its_diff(client, acme):
    client.force_login(acme.users["finance"])
    client.post(url("compensation:statement_approve", acme, pk=acme.statements["rep"].pk))
    content = client.get(url("analytics:audit", acme), {"object_type": "compensation.statement"}).content.decode()
    assert "statement.approve" in content
    assert "published" in content and "approved" in content
