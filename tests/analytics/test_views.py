"""Analytics pages: dashboards by role, the seller overview and the audit trail."""

from __future__ import annotations

import pytest

from tests.helpers import get_as, url

pytestmark = pytest.mark.django_db



def test_rep_dashboard_shows_my_latest_statement(client, acme):
    content = get_as(client, acme, "rep", url("analytics:dashboard", acme)).content.decode()
    assert "6,000.00" in content
    assert url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk) in content


def test_rep_year_to_date_is_the_fiscal_year_of_the_latest_statement(client, acme):
    """With an April fiscal year, April 2027 starts FY2027: its year to date is April's 500, not the
    calendar year's January 6,000 + March 1,000 + April 500 (the attainment beside it is fiscal)."""
    from decimal import Decimal

    from compensation.models import Statement
    from spm.tenancy.db import tenant_atomic

    type(acme.tenant).objects.filter(pk=acme.tenant.pk).update(fiscal_year_start_month=4)
    with tenant_atomic(acme.tenant):
        for period, total in (("2027-03", "1000.00"), ("2027-04", "500.00")):
            Statement.objects.create(seller=acme.sellers["rep"], period=period, currency="USD", total=Decimal(total),
                                     status=Statement.Status.PUBLISHED, prepared_by=acme.users["revops"])
    content = get_as(client, acme, "rep", url("analytics:dashboard", acme)).content.decode()
    assert "Earnings FY 2027 year to date" in content and "USD 500.00" in content
    assert "USD 7,500.00" not in content


def test_manager_dashboard_lists_the_subtree_only(client, acme):
    content = get_as(client, acme, "manager", url("analytics:dashboard", acme)).content.decode()
    assert "acme Rep" in content
    assert "acme Peer" not in content


def test_overview_shows_bookings_and_statement_status(client, acme):
    content = get_as(client, acme, "finance", url("analytics:dashboard", acme)).content.decode()
    assert "Bookings by month" in content
    assert "plotly-graph-div" in content
    # 60,000 + 40,000 closed-won in January: compact in the figure, exact on hover
    assert 'data-testid="bookings" title="USD 100,000">USD 100K</div>' in content


def test_the_overview_lists_draft_statements_only_to_whom_it_counts_them(client, acme):
    """Executives' totals leave drafts out (working figures, not yet published): their status table left a
    'Draft 0' row beside 52 drafts; it now lists only the statuses it counts."""
    finance = get_as(client, acme, "finance", url("analytics:dashboard", acme)).content.decode()
    executive = get_as(client, acme, "executive", url("analytics:dashboard", acme)).content.decode()
    assert 'badge draft">Draft' in finance and 'badge published">Published' in finance
    assert 'badge draft">Draft' not in executive and 'badge published">Published' in executive


def test_overview_bookings_are_in_the_tenant_currency_as_on_the_pipeline_page(client, acme):
    """A 10,000 EUR deal won when 1 EUR = 1.10 USD books 11,000 USD: the overview added 10,000 to the
    dollars, so its bookings disagreed with the pipeline page's and pipeline_metrics'."""
    import datetime as dt
    from decimal import Decimal

    from spm.models import FxRate
    from spm.tenancy.db import tenant_atomic
    from tests.factories import OpportunityFactory

    with tenant_atomic(acme.tenant):
        FxRate.objects.create(currency="EUR", rate_to_base=Decimal("1.10"), effective_from=dt.date(2027, 1, 1))
    OpportunityFactory(tenant=acme.tenant, owner=acme.sellers["rep"], amount=Decimal("10000.00"), currency="EUR",
                       stage="closed_won", close_date=dt.date(2027, 1, 20))
    content = get_as(client, acme, "finance", url("analytics:dashboard", acme)).content.decode()
    assert 'data-testid="bookings" title="USD 111,000">USD 111K</div>' in content


@pytest.mark.parametrize(
    ("persona", "seller", "status"),
    [("rep", "rep", 200), ("rep", "peer", 404), ("manager", "rep", 200), ("manager", "peer", 404), ("executive", "peer", 200)],
)
def test_seller_detail_follows_the_visibility_rule(client, acme, persona, seller, status):
    response = get_as(client, acme, persona, url("analytics:seller_detail", acme, pk=acme.sellers[seller].pk))
    assert response.status_code == status


def test_audit_shows_the_approval_with_its_diff(client, acme):
    client.force_login(acme.users["finance"])
    client.post(url("compensation:statement_approve", acme, pk=acme.statements["rep"].pk))
    content = client.get(url("analytics:audit", acme), {"object_type": "compensation.statement"}).content.decode()
    assert "statement.approve" in content
    assert "published" in content and "approved" in content


def test_audit_reads_as_sentences_with_names_not_ids(client, acme):
    acme.users["finance"].first_name, acme.users["finance"].last_name = "Ana", "Ruiz"
    acme.users["finance"].save()
    client.force_login(acme.users["finance"])
    client.post(url("compensation:statement_approve", acme, pk=acme.statements["rep"].pk))
    content = client.get(url("analytics:audit", acme), {"object_type": "compensation.statement"}).content.decode()
    assert "Ana Ruiz approved acme Rep&#x27;s Jan 2027 statement" in content
    # the approver in the field diff is named, not numbered
    assert "approved by" in content
    assert 'color:var(--ok)">Ana Ruiz<' in content


def test_rep_dashboard_points_to_the_plan_awaiting_their_acceptance(client, acme):
    """A rep could accept their plan only on its page, reachable from nowhere they would look: the
    dashboard now says which plan waits for them and links to it, until they accept it."""
    from compensation.acceptance.services import plan_accept
    from spm.tenancy.db import tenant_atomic

    plan_url = url("compensation:plan_detail", acme, pk=acme.plan.pk)
    content = get_as(client, acme, "rep", url("analytics:dashboard", acme)).content.decode()
    assert plan_url in content and "AE Plan v1" in content and "accept" in content
    with tenant_atomic(acme.tenant):
        plan_accept(plan=acme.plan, seller=acme.sellers["rep"], actor=acme.users["rep"])
    content = get_as(client, acme, "rep", url("analytics:dashboard", acme)).content.decode()
    assert plan_url not in content
