from decimal import Decimal

import pytest

from compensation.models import Statement
from compensation.services import (
    adjustment_create,
    calculation_request,
    statement_approve,
    statement_mark_paid,
    statement_publish,
    statement_publish_period,
)
from spm.errors import ConflictError, PermissionDeniedError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


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
