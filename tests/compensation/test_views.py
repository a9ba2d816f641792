"""Pay pages: statements (visibility, drafts, lines, CSV), approvals, publishing, plans and runs.

Personas (tests/factories.py): rep and peer are AEs under different managers; the manager sees
rep but not peer; revops prepared every statement of the fixtures (so revops may not approve
them, and finance may).

Adjustments from the statement page: who may add them, errors on the form, the recalculate offer.

Personas (tests/factories.py): finance, revops and admin may adjust; rep, manager and executive
may not. The fixtures' statements are published in 2027-01 and prepared by revops.

Mark paid: one approved statement from its page, or every approved statement of a month.

Finance and admin may; the fixtures' statements are published, so tests approve them first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from compensation.models import Adjustment, CalculationRun, EarningLine, Statement
from spm.formatting import money, percent
from spm.models import AuditEvent, Period
from spm.tenancy.db import tenant_atomic
from tests.helpers import get_as, url

pytestmark = pytest.mark.django_db


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
    assert "acme Rep · Jan 2027" in content
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


def test_bulk_approval_names_the_selected_statements_someone_else_approved_meanwhile(client, acme):
    """Two approvers on the queue: the second one's "Approved 1 statement." for two ticked hid that the
    other had been approved by someone else since the page was loaded."""
    from compensation.services import statement_approve

    rep, peer = acme.statements["rep"], acme.statements["peer"]
    with tenant_atomic(acme.tenant):
        statement_approve(statement=Statement.objects.get(pk=peer.pk), actor=acme.users["admin"])
    client.force_login(acme.users["finance"])
    response = client.post(
        url("compensation:approvals", acme), {"action": "approve", "statements": [rep.pk, peer.pk]}, follow=True
    )
    content = response.content.decode()
    assert "Approved 1 statement." in content
    assert "No longer awaiting approval" in content and "acme Peer 2027-01 (approved)" in content


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


def test_plan_detail_renders_tiers_and_json(client, acme):
    content = get_as(client, acme, "revops", url("compensation:plan_detail", acme, pk=acme.plan.pk)).content.decode()
    assert "New business" in content and "100% → and above" in content and "&quot;tiers&quot;" in content
    assert get_as(client, acme, "admin", url("compensation:plan_detail", acme, pk=9_999_999)).status_code == 404


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


def adjustments(world) -> list[Adjustment]:
    with tenant_atomic(world.tenant):
        return list(Adjustment.objects.order_by("id"))


def post_adjustment(client, world, persona, statement="rep", **data):
    client.force_login(world.users[persona])
    data = {"amount": "250.00", "reason": "Missed split on D1", **data}
    return client.post(url("compensation:statement_adjust", world, pk=world.statements[statement].pk), data)


@pytest.mark.parametrize("persona", ["finance", "revops", "admin"])
def test_the_adjusting_roles_see_the_form(client, acme, persona):
    client.force_login(acme.users[persona])
    content = client.get(url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk)).content.decode()
    assert "Add adjustment</button>" in content
    assert "cannot approve it" in content  # the segregation-of-duties hint


@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_others_do_not_see_the_form(client, acme, persona):
    client.force_login(acme.users[persona])
    content = client.get(url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk)).content.decode()
    assert "Add adjustment</button>" not in content


def test_finance_adds_an_adjustment_and_is_offered_a_recalculation(client, acme):
    response = post_adjustment(client, acme, "finance")
    assert response.status_code == 302
    [adjustment] = adjustments(acme)
    assert (adjustment.seller_id, adjustment.period, adjustment.amount) == (acme.sellers["rep"].pk, "2027-01", Decimal("250.00"))
    assert adjustment.created_by == acme.users["finance"]
    page = client.get(response["Location"]).content.decode()
    assert "USD 250.00 added" in page and "Jan 2027 is being recalculated for them" in page
    assert "Pending: recalculating" in page  # the change feed's recalculation runs after commit (not captured here)
    assert "You adjusted this statement, so you cannot approve it." in page
    assert "Recalculate Jan 2027" not in page  # finance may not run calculations
    with tenant_atomic(acme.tenant):
        assert AuditEvent.objects.filter(action="adjustment.create", object_id=str(adjustment.pk)).exists()


def test_revops_recalculates_the_month_from_the_statement(client, acme):
    post_adjustment(client, acme, "revops")
    page = client.get(url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk)).content.decode()
    assert "Recalculate Jan 2027</button>" in page
    response = client.post(url("compensation:statement_recalculate", acme, pk=acme.statements["rep"].pk))
    with tenant_atomic(acme.tenant):
        run = CalculationRun.objects.get()
    assert (run.period_from, run.period_through, run.requested_by) == ("2027-01", "2027-01", acme.users["revops"])
    assert response["Location"] == url("compensation:run_detail", acme, pk=run.pk)


def test_finance_may_not_recalculate(client, acme):
    client.force_login(acme.users["finance"])
    assert client.post(url("compensation:statement_recalculate", acme, pk=acme.statements["rep"].pk)).status_code == 403


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"amount": "abc"}, "Enter a number."),
        ({"amount": "1.234"}, "Ensure that there are no more than 2 decimal places."),
        ({"amount": "0"}, "An adjustment of zero changes nothing."),
        ({"reason": "   "}, "This field is required."),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(client, acme, data, error):
    response = post_adjustment(client, acme, "finance", **data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert adjustments(acme) == []


def test_a_closed_period_is_refused_on_the_form(client, acme):
    with tenant_atomic(acme.tenant):
        Period.objects.create(key="2027-01", start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 31), status="closed")
    response = post_adjustment(client, acme, "finance")
    assert response.status_code == 200
    assert "Period 2027-01 is closed" in response.content.decode()
    assert adjustments(acme) == []
    page = client.get(url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk)).content.decode()
    assert "Jan 2027 is closed" in page and "Add adjustment</button>" not in page


def test_an_approved_statement_takes_no_adjustment_of_its_month(client, acme):
    with tenant_atomic(acme.tenant):
        Statement.objects.filter(pk=acme.statements["rep"].pk).update(status=Statement.Status.APPROVED)
    response = post_adjustment(client, acme, "finance")
    assert response.status_code == 200
    assert "would never be paid" in response.content.decode()
    assert adjustments(acme) == []


def test_a_rep_posting_an_adjustment_gets_403(client, acme):
    assert post_adjustment(client, acme, "rep").status_code == 403
    assert adjustments(acme) == []


def test_another_tenants_statement_cannot_be_adjusted_or_recalculated(client, acme, globex):
    client.force_login(acme.users["finance"])
    response = client.post(url("compensation:statement_adjust", acme, pk=globex.statements["rep"].pk),
                           {"amount": "10", "reason": "x"})
    assert response.status_code == 404
    client.force_login(acme.users["revops"])
    assert client.post(url("compensation:statement_recalculate", acme, pk=globex.statements["rep"].pk)).status_code == 404
    assert adjustments(acme) == [] and adjustments(globex) == []


def test_the_page_lists_adjustments_on_the_statement_and_pending(client, acme):
    statement = acme.statements["rep"]
    with tenant_atomic(acme.tenant):
        done = Adjustment.objects.create(seller=statement.seller, period="2027-01", amount=Decimal("-75.50"),
                                         reason="Returned deal", created_by=acme.users["revops"])
        EarningLine.objects.create(statement=statement, seller=statement.seller, period="2027-01", position=9,
                                   component="Adjustment", kind="adjustment", adjustment=done, amount=done.amount,
                                   explanation="Returned deal")
        Adjustment.objects.create(seller=statement.seller, period="2027-01", amount=Decimal("1234.5"),
                                  reason="Spiff", created_by=acme.users["admin"])
        Adjustment.objects.create(seller=statement.seller, period="2027-02", amount=Decimal("9"), reason="Next month")
    client.force_login(acme.users["finance"])
    content = client.get(url("compensation:statement_detail", acme, pk=statement.pk)).content.decode()
    assert "Returned deal" in content and "-75.50" in content and "On this statement" in content
    assert "Spiff" in content and "1,234.50" in content and "Pending: recalculating" in content
    assert "Next month" not in content


def test_the_adjuster_cannot_approve_and_the_page_says_why(client, acme):
    statement = acme.statements["rep"]
    with tenant_atomic(acme.tenant):
        adjustment = Adjustment.objects.create(seller=statement.seller, period="2027-01", amount=Decimal("10"),
                                               reason="x", created_by=acme.users["finance"])
        EarningLine.objects.create(statement=statement, seller=statement.seller, period="2027-01", position=5,
                                   component="Adjustment", kind="adjustment", adjustment=adjustment,
                                   amount=Decimal("10"), explanation="x")
    client.force_login(acme.users["finance"])
    content = client.get(url("compensation:statement_detail", acme, pk=statement.pk)).content.decode()
    assert "You created an adjustment on this statement" in content
    assert "Approve</button>" not in content
    client.force_login(acme.users["admin"])
    assert "Approve</button>" in client.get(url("compensation:statement_detail", acme, pk=statement.pk)).content.decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.5"), "1,234.50"), (Decimal("1234.505"), "1,234.51"), (Decimal("-1234.5"), "-1,234.50"),
        (Decimal("0.005"), "0.01"), (Decimal("-0.004"), "0.00"), (1234567, "1,234,567.00"), ("12.345", "12.35"),
        (2.675, "2.68"), (Decimal("999999999999.995"), "1,000,000,000,000.00"), (None, ""), ("n/a", ""),
    ],
)
def test_money_rounds_half_up_to_the_cent(value, expected):
    assert money(value) == expected


def test_money_with_a_currency_and_percent():
    assert money(Decimal("1234.5"), "USD") == "USD 1,234.50"
    assert money(Decimal("-3"), "eur") == "EUR -3.00"
    assert (percent(Decimal("0.625")), percent(1), percent(Decimal("0.3333")), percent("0.125", 2)) == (
        "62.5%", "100%", "33.3%", "12.5%")
    assert percent(None) == ""


def test_the_filters_load_in_templates():
    out = Template('{% load fmt %}{{ v|money }} {{ v|money:"USD" }} {{ f|percent }}').render(
        Context({"v": Decimal("6000"), "f": Decimal("0.6")}))
    assert out == "6,000.00 USD 6,000.00 60%"


def test_the_statement_page_stays_bounded_with_many_adjustments(client, acme, django_assert_max_num_queries):
    statement = acme.statements["rep"]
    client.force_login(acme.users["finance"])
    path = url("compensation:statement_detail", acme, pk=statement.pk)
    client.get(path)
    with CaptureQueriesContext(connection) as none:
        client.get(path)
    # From one adjustment on, the page reads them in one query (with none it reads nothing).
    with tenant_atomic(acme.tenant):
        Adjustment.objects.create(seller=statement.seller, period="2027-01", amount=Decimal(1), reason="first",
                                  created_by=acme.users["admin"])
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    assert len(few) == len(none) + 1
    with tenant_atomic(acme.tenant):
        for i in range(20):
            Adjustment.objects.create(seller=statement.seller, period="2027-01", amount=Decimal(i), reason=f"r{i}",
                                      created_by=acme.users["revops" if i % 2 else "admin"])
    with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200
    assert len(many) <= len(few)


def approve(world, *personas) -> None:
    with tenant_atomic(world.tenant):
        Statement.objects.filter(pk__in=[world.statements[p].pk for p in personas]).update(status=Statement.Status.APPROVED)


def statuses(world) -> dict[str, str]:
    with tenant_atomic(world.tenant):
        by_pk = dict(Statement.objects.values_list("pk", "status"))
    return {p: by_pk[s.pk] for p, s in world.statements.items()}


@pytest.mark.parametrize("persona", ["finance", "admin"])
def test_finance_and_admin_mark_an_approved_statement_paid(client, acme, persona):
    approve(acme, "rep")
    statement = acme.statements["rep"]
    client.force_login(acme.users[persona])
    page = client.get(url("compensation:statement_detail", acme, pk=statement.pk)).content.decode()
    assert "Mark paid</button>" in page
    response = client.post(url("compensation:statement_mark_paid", acme, pk=statement.pk), follow=True)
    content = response.content.decode()
    assert f"Marked {statement} paid." in content
    assert '<span class="badge paid" data-testid="status">Paid</span>' in content
    assert "Mark paid</button>" not in content
    assert statuses(acme)["rep"] == "paid"
    with tenant_atomic(acme.tenant):
        event = AuditEvent.objects.get(action="statement.pay", object_id=str(statement.pk))
    assert (event.before["status"], event.after["status"], event.actor) == ("approved", "paid", acme.users[persona])


def test_a_published_statement_cannot_be_paid(client, acme):
    client.force_login(acme.users["finance"])
    page = client.get(url("compensation:statement_detail", acme, pk=acme.statements["rep"].pk)).content.decode()
    assert "Mark paid</button>" not in page
    response = client.post(url("compensation:statement_mark_paid", acme, pk=acme.statements["rep"].pk), follow=True)
    assert "only an approved one can be paid" in response.content.decode()
    assert statuses(acme)["rep"] == "published"


@pytest.mark.parametrize("persona", ["rep", "manager", "revops", "executive"])
def test_other_roles_get_403(client, acme, persona):
    approve(acme, "rep")
    client.force_login(acme.users[persona])
    assert client.post(url("compensation:statement_mark_paid", acme, pk=acme.statements["rep"].pk)).status_code == 403
    assert statuses(acme)["rep"] == "approved"


def test_another_tenants_statement_cannot_be_marked_paid(client, acme, globex):
    approve(globex, "rep")
    client.force_login(acme.users["finance"])
    assert client.post(url("compensation:statement_mark_paid", acme, pk=globex.statements["rep"].pk)).status_code == 404
    assert statuses(globex)["rep"] == "approved"


def test_the_approvals_page_pays_every_approved_statement_of_a_period(client, acme, globex):
    approve(acme, "rep", "peer")
    approve(globex, "rep")
    client.force_login(acme.users["finance"])
    page = client.get(url("compensation:approvals", acme)).content.decode()
    assert "Mark approved statements of Jan 2027 paid" in page
    assert "USD 12,000.00" in page  # 2 × 6,000.00, exact to the cent
    response = client.post(url("compensation:approvals", acme), {"action": "pay_period", "period": "2027-01"}, follow=True)
    content = response.content.decode()
    assert "Marked 2 approved statements of 2027-01 paid." in content
    assert "No approved statement is waiting for payment." in content
    assert statuses(acme) == {"rep": "paid", "peer": "paid"}
    assert statuses(globex)["rep"] == "approved"  # the other tenant's month is untouched
    with tenant_atomic(acme.tenant):
        assert AuditEvent.objects.filter(action="statement.pay").count() == 2


def test_bulk_pay_leaves_unapproved_statements_alone(client, acme):
    approve(acme, "rep")
    client.force_login(acme.users["admin"])
    response = client.post(url("compensation:approvals", acme), {"action": "pay_period", "period": "2027-01"}, follow=True)
    assert "Marked 1 approved statement of 2027-01 paid." in response.content.decode()
    assert statuses(acme) == {"rep": "paid", "peer": "published"}


def test_bulk_pay_of_an_empty_or_bad_period_says_so(client, acme):
    client.force_login(acme.users["finance"])
    response = client.post(url("compensation:approvals", acme), {"action": "pay_period", "period": "2027-02"}, follow=True)
    assert "There was no approved statement to mark paid in 2027-02." in response.content.decode()
    response = client.post(url("compensation:approvals", acme), {"action": "pay_period", "period": "2027-13"}, follow=True)
    assert "Choose a month like 2027-01" in response.content.decode()


def test_publish_drafts_is_preset_to_the_latest_ended_month_with_drafts(client, acme):
    running = dt.date.today().replace(day=1)
    ended = (running - dt.timedelta(days=1)).strftime("%Y-%m")
    with tenant_atomic(acme.tenant):  # drafts of the running month (days old) and of the month before
        for period in (running.strftime("%Y-%m"), ended):
            Statement.objects.create(seller=acme.sellers["peer"], period=period, currency="USD",
                                     total=Decimal("10.00"), status=Statement.Status.DRAFT)
    content = get_as(client, acme, "finance", url("compensation:approvals", acme)).content.decode()
    assert f'name="period" value="{ended}"' in content
