"""Tests.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from compensation.explanations import render_explanation
from compensation.models import CalculationRun, EarningLine, Statement
from compensation.services import (
    adjustment_create,
    calculation_execute,
    calculation_request,
    statement_approve,
    statement_mark_paid,
    statement_publish,
    statement_publish_period,
)
from performance.models import Opportunity
from planning.models import Seller
from spm.errors import ConflictError, DomainError, PermissionDeniedError
from spm.models import AuditEvent
from spm.services import period_close
from spm.tenancy.db import tenant_atomic
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _lines(tenant):
    with tenant_atomic(tenant):
        return [(*row[:-2], render_explanation({"explanation": row[-2], "explain": row[-1]}))
                for row in EarningLine.objects.order_by("seller__external_id", "period", "position")
                .values_list("seller__external_id", "period", "component", "kind", "deal_external_id", "amount",
                             "explanation", "explain")]


def test_run_records_progress_counts_and_fingerprint(loaded, calculate):
    run = calculate(loaded)
    assert (run.status, run.progress) == ("succeeded", 100)
    assert run.statement_count == 6 and run.line_count == 3
    assert len(run.input_fingerprint) == 64 and run.started_at and run.finished_at


def test_rerun_is_identical(loaded, calculate):
    first = calculate(loaded)
    lines = _lines(loaded)
    second = calculate(loaded)
    assert _lines(loaded) == lines
    assert first.input_fingerprint == second.input_fingerprint
    with tenant_atomic(loaded):
        assert Statement.objects.count() == 6


def test_a_second_delivery_of_the_task_does_nothing(loaded, calculate):
    run = calculate(loaded)
    with tenant_atomic(loaded):
        again = calculation_execute(run_id=run.pk)
    assert again.finished_at == run.finished_at and again.status == "succeeded"


def test_approved_statements_are_not_rewritten(loaded, calculate):
    calculate(loaded)
    with tenant_atomic(loaded):
        st = Statement.objects.get(seller__external_id="S-1", period="2027-01")
        Statement.objects.filter(pk=st.pk).update(status="approved")
        # the January deal changes afterwards: the rerun must still leave the approved statement alone
        Opportunity.objects.filter(close_date__month=1, owner__external_id="S-1").update(amount=Decimal("90000"))
    calculate(loaded)
    with tenant_atomic(loaded):
        st.refresh_from_db()
        assert (st.status, st.total, st.lines.count()) == ("approved", Decimal("6000.00"), 1)


def test_closed_period_is_not_rewritten(loaded, calculate):
    calculate(loaded)
    with tenant_atomic(loaded):
        period_close(period="2027-01", actor=None)
        st = Statement.objects.get(seller__external_id="S-1", period="2027-01")
        line_ids = set(st.lines.values_list("id", flat=True))
    run = calculate(loaded)
    assert run.status == "succeeded"
    with tenant_atomic(loaded):
        assert set(st.lines.values_list("id", flat=True)) == line_ids
        ada = Seller.objects.get(external_id="S-1")
        with pytest.raises(ConflictError):
            adjustment_create(seller=ada, period="2027-01", amount="1.00", reason="x", actor=None)


def test_overlapping_run_is_refused(loaded):
    with tenant_atomic(loaded):
        CalculationRun.objects.create(period_from="2027-02", period_through="2027-04", status="running")
        with pytest.raises(ConflictError):
            calculation_request(period_from="2027-01", period_through="2027-02")
        run = calculation_request(period_from="2027-05")  # no overlap: accepted
    assert (run.period_from, run.period_through, run.status) == ("2027-05", "2027-05", "queued")


def test_bad_period_keys_are_refused(loaded):
    with tenant_atomic(loaded):
        with pytest.raises(DomainError):
            calculation_request(period_from="2027-13")
        with pytest.raises(DomainError):
            calculation_request(period_from="2027-03", period_through="2027-01")


def test_engine_failure_marks_run_failed_and_keeps_results(loaded, calculate, monkeypatch):
    calculate(loaded)
    before = _lines(loaded)

    def boom(inp):
        raise ValueError("engine exploded")

    monkeypatch.setattr("compensation.services.calculation.calculate", boom)
    run = calculate(loaded)
    assert run.status == "failed" and "engine exploded" in run.message
    assert _lines(loaded) == before


def test_runs_of_one_tenant_do_not_touch_another(loaded, globex, calculate):
    calculate(loaded)
    with tenant_atomic(globex.tenant):
        before = list(Statement.objects.values_list("id", "total", "status"))
    calculate(globex.tenant, through="2027-01")
    with tenant_atomic(globex.tenant):
        totals = dict(Statement.objects.values_list("seller__external_id", "total"))
    assert before  # globex had its own published statements; they were recalculated in place
    assert totals == {"globex-rep": Decimal("6000.00"), "globex-peer": Decimal("4000.00")}


def test_an_orphaned_run_stops_blocking_after_the_stale_timeout(acme, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from compensation.models import CalculationRun
    from compensation.services import calculation_request

    with tenant_atomic(acme.tenant):
        old = timezone.now() - dt.timedelta(hours=2)
        orphan = CalculationRun.objects.create(period_from="2027-01", period_through="2027-01", status="running",
                                               started_at=old)
        CalculationRun.objects.filter(pk=orphan.pk).update(created_at=old)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        run = calculation_request(period_from="2027-01")
    with tenant_atomic(acme.tenant):
        orphan.refresh_from_db()
        run.refresh_from_db()
    assert orphan.status == "failed" and "Abandoned" in orphan.message
    assert run.status == "succeeded"


def test_the_beat_task_releases_orphaned_runs_in_every_tenant(acme, globex):
    import datetime as dt

    from django.utils import timezone

    from compensation.tasks import release_stale_runs

    old = timezone.now() - dt.timedelta(hours=2)
    for world in (acme, globex):
        with tenant_atomic(world.tenant):
            run = CalculationRun.objects.create(period_from="2027-01", period_through="2027-01", status="queued")
            CalculationRun.objects.filter(pk=run.pk).update(created_at=old)
    assert release_stale_runs.delay().get() == 2
    for world in (acme, globex):
        with tenant_atomic(world.tenant):
            assert CalculationRun.objects.get().status == "failed"


@pytest.fixture
def calculated(acme, django_capture_on_commit_callbacks):
    """acme calculated for 2027-01 by revops (the preparer); rep's statement is a draft."""
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        calculation_request(period_from="2027-01", requested_by=acme.users["revops"])
    with tenant_atomic(acme.tenant):
        return Statement.objects.get(seller=acme.sellers["rep"], period="2027-01")


def test_calculation_prepares_draft_statements(acme, calculated):
    assert (calculated.status, calculated.total, calculated.prepared_by) == (
        "draft", Decimal("6000.00"), acme.users["revops"])


def test_full_workflow_is_audited(acme, calculated):
    finance = acme.users["finance"]
    with tenant_atomic(acme.tenant):
        st = statement_publish(statement=calculated, actor=finance)
        st = statement_approve(statement=st, actor=finance)
        st = statement_mark_paid(statement=st, actor=finance)
        events = list(AuditEvent.objects.filter(object_id=str(st.pk), object_type="compensation.statement")
                      .order_by("id").values_list("action", "before", "after"))
    assert st.status == "paid" and st.approved_by == finance
    assert [(a, b["status"], c["status"]) for a, b, c in events] == [
        ("statement.publish", "draft", "published"),
        ("statement.approve", "published", "approved"),
        ("statement.pay", "approved", "paid"),
    ]


def test_it_rejects_approval_by_preparer(acme, calculated):
    preparer = acme.users["revops"]
    with tenant_atomic(acme.tenant):
        MembershipFactory._meta.model.objects.filter(user=preparer).update(role="finance")
        st = statement_publish(statement=calculated, actor=acme.users["finance"])
        with pytest.raises(PermissionDeniedError, match="You prepared this statement"):
            statement_approve(statement=st, actor=preparer)


def test_it_rejects_approval_by_an_adjuster_and_allows_another_finance_user(acme, django_capture_on_commit_callbacks):
    finance = acme.users["finance"]
    with tenant_atomic(acme.tenant):
        adjustment_create(seller=acme.sellers["rep"], period="2027-01", amount="500.00", reason="SPIF", actor=finance)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        calculation_request(period_from="2027-01", requested_by=acme.users["revops"])
    other = UserFactory(username="finance2@acme.test")
    MembershipFactory(tenant=acme.tenant, user=other, role="finance")
    with tenant_atomic(acme.tenant):
        st = Statement.objects.get(seller=acme.sellers["rep"], period="2027-01")
        assert st.total == Decimal("6500.00")
        assert statement_publish_period(period="2027-01", actor=finance) == 2
        with pytest.raises(PermissionDeniedError, match="adjustment"):
            statement_approve(statement=st, actor=finance)
        assert statement_approve(statement=st, actor=other).status == "approved"


def test_deleting_an_adjustment_clears_its_lines_link_without_a_database_constraint(acme,
                                                                                    django_capture_on_commit_callbacks):
    # EarningLine.adjustment has no database constraint (a check per line written); Django's collector
    # still applies SET_NULL, so no line is left pointing at a deleted adjustment.
    finance = acme.users["finance"]
    with tenant_atomic(acme.tenant):
        adjustment = adjustment_create(seller=acme.sellers["rep"], period="2027-01", amount="500.00", reason="SPIF",
                                       actor=finance)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        calculation_request(period_from="2027-01", requested_by=acme.users["revops"])
    with tenant_atomic(acme.tenant):
        line = EarningLine.objects.get(adjustment=adjustment)
        assert (line.kind, line.amount) == ("adjustment", Decimal("500.00"))
        adjustment.delete()
        line.refresh_from_db()
        assert line.adjustment_id is None and line.amount == Decimal("500.00")


def test_it_rejects_approval_by_a_role_without_the_capability(acme, calculated):
    with tenant_atomic(acme.tenant):
        st = statement_publish(statement=calculated, actor=acme.users["finance"])
        with pytest.raises(PermissionDeniedError, match="Manager"):
            statement_approve(statement=st, actor=acme.users["manager"])


def test_it_refuses_to_approve_a_draft_or_pay_unapproved(acme, calculated):
    with tenant_atomic(acme.tenant):
        with pytest.raises(ConflictError):
            statement_approve(statement=calculated, actor=acme.users["finance"])
        with pytest.raises(ConflictError):
            statement_mark_paid(statement=calculated, actor=acme.users["finance"])


def test_an_adjustment_in_the_month_of_an_approved_statement_is_refused(acme):
    from compensation.services import adjustment_create
    from spm.errors import ConflictError

    statement = acme.statements["rep"]
    with tenant_atomic(acme.tenant):
        statement.status = "approved"
        statement.save()
        with pytest.raises(ConflictError, match="approved: post the correction in an open month"):
            adjustment_create(seller=statement.seller, period=statement.period, amount="10.00", reason="late",
                              actor=acme.users["finance"])


def test_an_adjustment_cannot_move_out_of_a_month_whose_statement_is_approved(acme):
    from compensation.services import adjustment_upsert
    from spm.errors import ConflictError

    statement = acme.statements["rep"]
    finance = acme.users["finance"]
    with tenant_atomic(acme.tenant):
        adjustment_upsert(external_id="A-1", seller=statement.seller, period=statement.period, amount="10.00",
                          reason="late", actor=finance)
        statement.status = "approved"
        statement.save()
        with pytest.raises(ConflictError, match="approved"):
            adjustment_upsert(external_id="A-1", seller=statement.seller, period="2027-02", amount="10.00",
                              reason="late", actor=finance)


def test_publishing_a_period_audits_every_statement_in_a_fixed_number_of_queries(acme, django_assert_max_num_queries):
    from compensation.models import Statement
    from spm.models import AuditEvent
    from tests.factories import SellerFactory

    with tenant_atomic(acme.tenant):
        for i in range(30):
            seller = SellerFactory(tenant=acme.tenant, external_id=f"bulk-{i}", name=f"acme bulk {i}")
            Statement.objects.create(seller=seller, period="2027-02", total="1.00", prepared_by=acme.users["revops"])
        with django_assert_max_num_queries(8):
            assert statement_publish_period(period="2027-02", actor=acme.users["finance"]) == 30
        assert set(Statement.objects.filter(period="2027-02").values_list("status", flat=True)) == {"published"}
        events = AuditEvent.objects.filter(action="statement.publish")
        assert events.count() == 30
        event = events.first()
        assert (event.before["status"], event.after["status"], event.actor_id) == ("draft", "published", acme.users["finance"].pk)
        assert event.object_repr.startswith("acme bulk")
