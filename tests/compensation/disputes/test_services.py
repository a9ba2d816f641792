"""Disputes end to end on acme's calculated January: the rep's statement is 6,000.00 (60 % of a
100,000 quota at 10 %). Accepting a dispute adds exactly the disputed amount to the statement."""

from decimal import Decimal

import pytest
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compensation.disputes.models import Dispute
from compensation.disputes.services import dispute_accept, dispute_comment, dispute_open, dispute_reject, dispute_review
from compensation.models import Adjustment, Statement
from compensation.services import statement_publish
from spm.errors import ConflictError, DomainError, PermissionDeniedError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(acme, calculate):
    """The rep's calculated January statement, published (6,000.00)."""
    calculate(acme.tenant, period_from="2027-01", through="2027-01")
    with tenant_atomic(acme.tenant):
        statement = Statement.objects.get(seller=acme.sellers["rep"], period="2027-01")
        return statement_publish(statement=statement, actor=acme.users["finance"])


def _line(statement):
    return statement.lines.get(kind="commission")


def test_the_full_accept_path_creates_a_linked_adjustment_and_recalculates(acme, published,
                                                                           django_capture_on_commit_callbacks):
    rep, finance = acme.users["rep"], acme.users["finance"]
    assert published.total == Decimal("6000.00")
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        dispute = dispute_open(statement=published, line=_line(published), amount="250.00",
                               reason="D1 was 62,500, not 60,000", actor=rep)
        dispute_comment(dispute=dispute, body="Checking the CRM", actor=finance)
        dispute_comment(dispute=dispute, body="Here is the order form", actor=rep)
        dispute_review(dispute=dispute, actor=finance)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        dispute = dispute_accept(dispute=dispute, actor=finance)
    with tenant_atomic(acme.tenant):
        dispute.refresh_from_db()
        statement = Statement.objects.get(pk=published.pk)
        adjustment = Adjustment.objects.get()
        actions = list(AuditEvent.objects.filter(object_type="compensation.dispute").order_by("id")
                       .values_list("action", flat=True))
        adjustment_line = statement.lines.get(kind="adjustment")
    assert (dispute.status, dispute.adjustment, dispute.resolved_by) == ("accepted", adjustment, finance)
    assert (adjustment.amount, adjustment.period, adjustment.created_by) == (Decimal("250.00"), "2027-01", finance)
    assert statement.total == Decimal("6250.00") and adjustment_line.adjustment == adjustment
    assert actions == ["dispute.open", "dispute.comment", "dispute.comment", "dispute.review", "dispute.accept"]
    # one e-mail per step to each side it concerns: open (rep + finance), comment by finance (rep),
    # comment by rep (finance), review (rep), accept (rep)
    subjects = [m.subject for m in mail.outbox]
    assert subjects.count(f"[Dispute #{dispute.pk}] New dispute") == 2
    assert f"[Dispute #{dispute.pk}] Dispute accepted" in subjects
    assert any("rep@acme.test" in m.to for m in mail.outbox if m.subject.endswith("Dispute accepted"))
    assert any("finance@acme.test" in m.to for m in mail.outbox if m.subject.endswith("New dispute"))


def test_reject_needs_a_reason_and_closes_the_thread(acme, published):
    with tenant_atomic(acme.tenant):
        dispute = dispute_open(statement=published, amount="-10.00", reason="too much", actor=acme.users["rep"])
        with pytest.raises(DomainError, match="reason"):
            dispute_reject(dispute=dispute, actor=acme.users["finance"], reason=" ")
        dispute = dispute_reject(dispute=dispute, actor=acme.users["finance"], reason="The rate is right")
        assert (dispute.status, dispute.resolution) == ("rejected", "The rate is right")
        with pytest.raises(ConflictError):
            dispute_comment(dispute=dispute, body="but", actor=acme.users["rep"])
        with pytest.raises(ConflictError):
            dispute_accept(dispute=dispute, actor=acme.users["finance"])
        assert not Adjustment.objects.exists()


def test_who_may_do_what(acme, published):
    with tenant_atomic(acme.tenant):
        with pytest.raises(PermissionDeniedError):
            dispute_open(statement=published, amount="5.00", reason="x", actor=acme.users["manager"])
        dispute = dispute_open(statement=published, amount="5.00", reason="x", actor=acme.users["rep"])
        for persona in ("rep", "revops", "manager"):
            with pytest.raises(PermissionDeniedError):
                dispute_accept(dispute=dispute, actor=acme.users[persona])
        with pytest.raises(PermissionDeniedError):
            dispute_comment(dispute=dispute, body="hi", actor=acme.users["peer"])


@pytest.mark.parametrize("amount", ["0", "1.005", "x"])
def test_a_bad_amount_is_refused(acme, published, amount):
    with tenant_atomic(acme.tenant), pytest.raises(DomainError, match="amount"):
        dispute_open(statement=published, amount=amount, reason="x", actor=acme.users["rep"])


def test_a_locked_statement_takes_the_adjustment_in_an_open_month(acme, published, django_capture_on_commit_callbacks):
    from compensation.services import statement_approve

    with tenant_atomic(acme.tenant):
        dispute = dispute_open(statement=published, amount="40.00", reason="x", actor=acme.users["rep"])
        statement_approve(statement=published, actor=acme.users["finance"])
        with pytest.raises(ConflictError, match="open month"):
            dispute_accept(dispute=dispute, actor=acme.users["admin"])
        assert Dispute.objects.get(pk=dispute.pk).status == "open"  # nothing half-written
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        dispute = dispute_accept(dispute=dispute, actor=acme.users["admin"], period="2027-02")
    with tenant_atomic(acme.tenant):
        assert Statement.objects.get(seller=acme.sellers["rep"], period="2027-02").total == Decimal("40.00")
        assert Statement.objects.get(pk=published.pk).total == Decimal("6000.00")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=st.integers(min_value=-500_000, max_value=500_000).filter(lambda c: c != 0))
def test_property_an_accepted_dispute_changes_exactly_the_disputed_amount(acme, published, cents,
                                                                          django_capture_on_commit_callbacks):
    amount = Decimal(cents) / 100
    with tenant_atomic(acme.tenant):
        statement = Statement.objects.get(pk=published.pk)
        if statement.status == Statement.Status.DRAFT:
            statement = statement_publish(statement=statement, actor=acme.users["finance"])
        before = statement.total
        dispute = dispute_open(statement=statement, amount=amount, reason="property", actor=acme.users["rep"])
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        dispute_accept(dispute=dispute, actor=acme.users["finance"])
    with tenant_atomic(acme.tenant):
        assert Statement.objects.get(pk=published.pk).total - before == amount


def test_accepting_a_dispute_leaves_other_sellers_statements_published(acme, published,
                                                                      django_capture_on_commit_callbacks):
    """The accepted amount lands on the rep's statement only: the peer's published statement keeps its
    status, preparer and total, so the finance user who accepted can still approve it."""
    from compensation.services import approval_refusal

    finance = acme.users["finance"]
    with tenant_atomic(acme.tenant):
        peer = statement_publish(statement=Statement.objects.get(seller=acme.sellers["peer"], period="2027-01"),
                                 actor=acme.users["revops"])
        before = (peer.status, peer.prepared_by_id, peer.total)
        dispute = dispute_open(statement=published, amount="75.00", reason="x", actor=acme.users["rep"])
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        dispute_accept(dispute=dispute, actor=finance)
    with tenant_atomic(acme.tenant):
        peer = Statement.objects.get(pk=peer.pk)
        assert (peer.status, peer.prepared_by_id, peer.total) == before
        assert approval_refusal(peer, finance) is None
        assert Statement.objects.get(pk=published.pk).total == Decimal("6075.00")


def test_the_statement_page_says_where_an_accepted_dispute_landed(client, acme, published,
                                                                 django_capture_on_commit_callbacks):
    """Accepted into a later month (the statement was approved meanwhile), the dispute row on the
    disputed statement says so: the money is not on this statement, it is on February's."""
    from django.urls import reverse

    from compensation.services import statement_approve

    with tenant_atomic(acme.tenant):
        dispute = dispute_open(statement=published, amount="40.00", reason="x", actor=acme.users["rep"])
        statement_approve(statement=published, actor=acme.users["finance"])
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        dispute_accept(dispute=dispute, actor=acme.users["admin"], period="2027-02")
    client.force_login(acme.users["rep"])
    html = client.get(reverse("compensation:statement_detail", kwargs={"tenant": "acme", "pk": published.pk})).content.decode()
    assert 'data-testid="dispute-landed">adjustment in Feb 2027' in html


def test_the_same_claim_is_not_opened_twice_while_unresolved(acme, published):
    """A double-clicked "Open dispute" (or back + resubmit) opened the dispute twice and notified
    finance twice. The same line, amount and reason while unresolved is refused; a different claim is
    not, and once resolved the same one may be raised again."""
    rep = acme.users["rep"]
    with tenant_atomic(acme.tenant):
        line = _line(published)
        first = dispute_open(statement=published, line=line, amount="100.00", reason="split missing", actor=rep)
        with pytest.raises(ConflictError, match=f"#{first.pk}"):
            dispute_open(statement=published, line=line, amount="100", reason=" split missing ", actor=rep)
        whole = dispute_open(statement=published, amount="-20.00", reason="FX rate wrong", actor=rep)
        with pytest.raises(ConflictError, match=f"#{whole.pk}"):
            dispute_open(statement=published, amount="-20", reason="FX rate wrong", actor=rep)
        dispute_open(statement=published, line=line, amount="250.00", reason="and the bonus", actor=rep)
        assert Dispute.objects.count() == 3
        dispute_reject(dispute=first, actor=acme.users["finance"], reason="as designed")
        assert dispute_open(statement=published, line=line, amount="100.00", reason="split missing", actor=rep).pk


@pytest.mark.parametrize(("period", "message"), [("2026-12", "before 2027-01"), ("1999-01", "before 2027-01"),
                                                  ("2030-01", "end of the next fiscal year")])
def test_an_accepted_dispute_lands_neither_before_its_month_nor_beyond_what_a_run_may_calculate(acme, published,
                                                                                              period, message):
    """A correction cannot be paid before the month it corrects, and a far month would create a statement
    there (1999-01) or one no run may recalculate (beyond the next fiscal year)."""
    with tenant_atomic(acme.tenant):
        dispute = dispute_open(statement=published, amount="40.00", reason="x", actor=acme.users["rep"])
        with pytest.raises(DomainError, match=message) as refused:
            dispute_accept(dispute=dispute, actor=acme.users["admin"], period=period)
        assert refused.value.field == "period"
        assert Dispute.objects.get(pk=dispute.pk).status == "open" and not Adjustment.objects.exists()
