"""Approval routes on acme: manager, then finance. The rep's published January statement (prepared
by revops) needs the rep's manager first, then finance; a delegate acts for the manager."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from compensation.models import Statement
from compensation.routing.models import StatementApproval
from compensation.routing.services import (
    approval_delegate_set,
    approval_reminders_send,
    approval_route_set,
    statement_route_approve,
    step_refusal,
)
from spm.errors import DomainError, PermissionDeniedError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(acme):
    with tenant_atomic(acme.tenant):
        approval_route_set(roles=["manager", "finance"], actor=acme.users["admin"])
    return acme


def test_manager_then_finance(routed):
    st = routed.statements["rep"]
    with tenant_atomic(routed.tenant):
        with pytest.raises(PermissionDeniedError, match="Step 1 of 2 is for the manager"):
            statement_route_approve(statement=st, actor=routed.users["finance"])
        after_manager = statement_route_approve(statement=st, actor=routed.users["manager"])
        assert after_manager.status == "published"
        assert step_refusal(Statement.objects.get(pk=st.pk), routed.users["manager"]) == \
            "Step 2 is for the finance (or their delegate)."
        approved = statement_route_approve(statement=st, actor=routed.users["finance"])
        steps = list(StatementApproval.objects.filter(statement=st).values_list("position", "approved_by"))
        actions = list(AuditEvent.objects.filter(object_id=str(st.pk), object_type="compensation.statement")
                       .order_by("id").values_list("action", flat=True))
    assert approved.status == "approved" and approved.approved_by == routed.users["finance"]
    assert steps == [(1, routed.users["manager"].pk), (2, routed.users["finance"].pk)]
    assert actions == ["approval.step", "approval.step", "statement.approve"]


def test_a_manager_cannot_take_a_peer_teams_step(routed):
    with tenant_atomic(routed.tenant), pytest.raises(PermissionDeniedError):
        statement_route_approve(statement=routed.statements["peer"], actor=routed.users["manager"])


def test_a_delegate_acts_for_the_manager_between_dates(routed):
    today = dt.date(2027, 2, 1)
    with tenant_atomic(routed.tenant):
        approval_delegate_set(user=routed.users["manager"], delegate=routed.users["executive"],
                              starts=dt.date(2027, 1, 15), ends=dt.date(2027, 2, 15), actor=routed.users["admin"])
        with pytest.raises(PermissionDeniedError):
            statement_route_approve(statement=routed.statements["rep"], actor=routed.users["executive"],
                                    today=dt.date(2027, 3, 1))
        statement_route_approve(statement=routed.statements["rep"], actor=routed.users["executive"], today=today)
        record = StatementApproval.objects.get()
    assert (record.approved_by, record.on_behalf_of) == (routed.users["executive"], routed.users["manager"])


def test_a_route_must_end_with_an_approver(acme):
    with tenant_atomic(acme.tenant):
        with pytest.raises(DomainError, match="last step"):
            approval_route_set(roles=["finance", "manager"], actor=acme.users["admin"])
        with pytest.raises(DomainError, match="cannot approve"):
            approval_route_set(roles=["rep"], actor=acme.users["admin"])


def test_without_a_route_approval_is_the_single_finance_step(acme):
    with tenant_atomic(acme.tenant):
        assert statement_route_approve(statement=acme.statements["rep"], actor=acme.users["finance"]).status == "approved"


def test_reminders_go_to_the_approver_of_the_waiting_step_and_their_delegate(routed):
    with tenant_atomic(routed.tenant):
        Statement.objects.update(published_at=timezone.now() - dt.timedelta(days=5))
        approval_delegate_set(user=routed.users["manager"], delegate=routed.users["executive"],
                              starts=dt.date(2020, 1, 1), ends=None, actor=routed.users["admin"])
        sent = approval_reminders_send(older_than_days=3)
    to = sorted(m.to[0] for m in mail.outbox)
    # the rep's statement waits for its manager (and delegate); both statements also reach the admin
    assert "manager@acme.test" in to and "exec@acme.test" in to and "admin@acme.test" in to
    assert sent == len(to)
    mail.outbox.clear()
    call_command("approval_reminders", "--tenant", "acme", "--days", "30")
    assert mail.outbox == []


def test_pages_route_config_and_step_button(client, routed):
    client.force_login(routed.users["finance"])
    page = client.get(reverse("compensation:approval_route", kwargs={"tenant": "acme"}))
    assert b"1. manager" in page.content
    client.force_login(routed.users["manager"])
    url = reverse("compensation:statement_detail", kwargs={"tenant": "acme", "pk": routed.statements["rep"].pk})
    assert b"Approve my step" in client.get(url).content
    client.post(reverse("compensation:statement_step_approve", kwargs={"tenant": "acme", "pk": routed.statements["rep"].pk}))
    assert b"Approve my step" not in client.get(url).content
    client.force_login(routed.users["finance"])
    response = client.post("/api/v1/t/acme/approval-steps/approve/", {"statement": routed.statements["rep"].pk},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert [s["role"] for s in client.get("/api/v1/t/acme/approval-steps/").json()] == ["manager", "finance"]
