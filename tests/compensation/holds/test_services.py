"""Holds, hand-computed on acme's calculated January: the rep earned 6,000.00 commission. A 25 %
hold keeps 1,500.00 back (payable 4,500.00) until 90 days after January 31 (May 1, 2027); the
release posts the 1,500.00 in the release month."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from compensation.holds.models import Hold
from compensation.holds.selectors import earned_and_payable
from compensation.holds.services import hold_place, hold_policy_set, hold_release, holds_release_due
from compensation.models import Statement
from spm.errors import ConflictError, DomainError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def january(acme, calculate):
    calculate(acme.tenant, period_from="2027-01", through="2027-01")
    with tenant_atomic(acme.tenant):
        hold_policy_set(pct="0.25", days=90, actor=acme.users["finance"])
        return Statement.objects.get(seller=acme.sellers["rep"], period="2027-01")


def statement(world, period="2027-01"):
    return Statement.objects.get(seller=world.sellers["rep"], period=period)


def test_a_hold_keeps_a_quarter_back_until_the_release(acme, january, django_capture_on_commit_callbacks):
    finance = acme.users["finance"]
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        hold = hold_place(statement=january, actor=finance)
    with tenant_atomic(acme.tenant):
        jan = statement(acme)
        assert (hold.amount, hold.release_after, hold.status) == (D("1500.00"), dt.date(2027, 5, 1), "held")
        assert jan.total == D("4500.00")
        assert earned_and_payable(jan) == {"earned": D("6000.00"), "payable": D("4500.00"), "held": D("1500.00"),
                                           "released": D("0.00"), "release_period": ""}
        assert jan.lines.get(kind="adjustment").amount == D("-1500.00")
        with pytest.raises(ConflictError, match="already has a hold"):
            hold_place(statement=jan, actor=finance)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        hold_release(hold=hold, period="2027-03", actor=finance)
    with tenant_atomic(acme.tenant):
        assert statement(acme, "2027-03").total == D("1500.00")
        assert statement(acme).total == D("4500.00")  # the hold line stays where it was earned
        assert earned_and_payable(statement(acme)) == {  # the held line stays; the statement says where it went
            "earned": D("6000.00"), "payable": D("4500.00"), "held": D("1500.00"),
            "released": D("1500.00"), "release_period": "2027-03"}
        actions = list(AuditEvent.objects.filter(object_type="compensation.hold").order_by("id").values_list("action", flat=True))
        with pytest.raises(ConflictError, match="already released"):
            hold_release(hold=hold, period="2027-04", actor=finance)
    assert actions == ["hold.place", "hold.release"]


def test_due_holds_are_released_into_the_month_of_the_day(acme, january, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        hold_place(statement=january, actor=acme.users["finance"])
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        assert holds_release_due(today=dt.date(2027, 4, 30)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        call_command("holds_release_due", "--tenant", "acme", "--today", "2027-05-01")
    with tenant_atomic(acme.tenant):
        hold = Hold.objects.get()
        assert (hold.status, hold.release_period) == ("released", "2027-05")
        assert statement(acme, "2027-05").total == D("1500.00")
        assert holds_release_due(today=dt.date(2027, 6, 1)) == 0  # safe to run twice


def test_bad_shares_and_locked_statements_are_refused(acme, january):
    with tenant_atomic(acme.tenant):
        with pytest.raises(DomainError, match="pct"):
            hold_place(statement=january, actor=acme.users["finance"], pct="1.5")
        Statement.objects.filter(pk=january.pk).update(status="approved")
        with pytest.raises(ConflictError, match="hold before approval"):
            hold_place(statement=statement(acme), actor=acme.users["finance"])
        assert not Hold.objects.exists()


def test_statement_page_shows_earned_and_payable_and_finance_places_a_hold(client, acme, january,
                                                                          django_capture_on_commit_callbacks):
    client.force_login(acme.users["finance"])
    url = reverse("compensation:statement_detail", kwargs={"tenant": "acme", "pk": january.pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("compensation:hold_place", kwargs={"tenant": "acme", "pk": january.pk}))
    page = client.get(url).content.decode()
    assert 'data-testid="earned-payable">earned 6,000.00, payable 4,500.00 (1,500.00 held)' in page
    holds = client.get(reverse("compensation:holds", kwargs={"tenant": "acme"}))
    assert b"1,500.00" in holds.content
    with django_capture_on_commit_callbacks(execute=True):
        with tenant_atomic(acme.tenant):
            pk = Hold.objects.get().pk
        client.post(reverse("compensation:hold_release", kwargs={"tenant": "acme", "pk": pk}), {"period": "2027-03"})
    page = client.get(url).content.decode()
    assert 'earned 6,000.00, payable 4,500.00 (1,500.00 held, released in Mar 2027)' in page
    client.force_login(acme.users["rep"])
    assert client.get(reverse("compensation:holds", kwargs={"tenant": "acme"})).status_code == 403


def test_api_places_and_releases(client, acme, january, django_capture_on_commit_callbacks):
    base = "/api/v1/t/acme/holds/"
    client.force_login(acme.users["revops"])
    assert client.post(base, {"statement": january.pk}, content_type="application/json").status_code == 403
    client.force_login(acme.users["finance"])
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(base, {"statement": january.pk, "pct": "0.10"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["amount"] == "600.00"
    pk = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        released = client.post(f"{base}{pk}/release/", {"period": "2027-02"}, content_type="application/json")
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert client.post(f"{base}{pk}/release/", {"period": "2027-02"}, content_type="application/json").status_code == 409


def test_a_hold_recalculates_its_seller_only_and_leaves_the_month_approvable(acme, january, calculate,
                                                                           django_capture_on_commit_callbacks):
    """Placing a hold (or releasing one, or accepting a dispute) is an adjustment of ONE seller's month:
    it must not rerun the whole month. A month rerun turned every published statement of January back
    into a draft and made the finance user who placed the hold their preparer, so finance could no
    longer approve any of them (segregation of duties) and every rep's statement vanished from view."""
    from compensation.services import statement_approve, statement_publish
    from compensation.services.statements import approval_refusal

    finance = acme.users["finance"]
    with tenant_atomic(acme.tenant):
        statement_publish(statement=january, actor=acme.users["revops"])
        peer = statement_publish(statement=Statement.objects.get(seller=acme.sellers["peer"], period="2027-01"),
                                 actor=acme.users["revops"])
        peer_before = (peer.status, peer.prepared_by_id, peer.total, peer.run_id)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        hold_place(statement=statement(acme), actor=finance)
    with tenant_atomic(acme.tenant):
        peer = Statement.objects.get(pk=peer.pk)
        assert (peer.status, peer.prepared_by_id, peer.total, peer.run_id) == peer_before
        assert approval_refusal(peer, finance) is None
        statement_approve(statement=peer, actor=finance)
        jan = statement(acme)
        assert jan.total == D("4500.00") and jan.prepared_by_id != finance.pk  # recalculated, not prepared by finance


def test_the_print_view_says_earned_and_payable_as_the_statement_page_does(client, acme, january,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        hold_place(statement=january, actor=acme.users["finance"])
    client.force_login(acme.users["finance"])
    for name in ("compensation:statement_detail", "compensation:statement_print"):
        html = client.get(reverse(name, kwargs={"tenant": "acme", "pk": january.pk})).content.decode()
        assert "earned 6,000.00, payable 4,500.00 (1,500.00 held)" in html, name


def test_without_a_hold_share_the_statement_page_points_to_the_policy_and_a_hold_says_why(client, acme, calculate):
    """With no policy set (0 %), the page offered "Hold part until invoice paid" and every click said
    "pct: a hold is a share between 0 and 1" — of a field the page does not have."""
    calculate(acme.tenant, period_from="2027-01", through="2027-01")
    with tenant_atomic(acme.tenant):
        january = statement(acme)
    client.force_login(acme.users["finance"])
    page = client.get(reverse("compensation:statement_detail", kwargs={"tenant": "acme", "pk": january.pk})).content.decode()
    assert "Hold part until invoice paid" not in page
    assert reverse("compensation:holds", kwargs={"tenant": "acme"}) in page and "no share to hold is set" in page
    with tenant_atomic(acme.tenant), pytest.raises(DomainError, match="Holds page"):
        hold_place(statement=statement(acme), actor=acme.users["finance"])
    with tenant_atomic(acme.tenant):
        hold_policy_set(pct="0.25", days=90, actor=acme.users["finance"])
    page = client.get(reverse("compensation:statement_detail", kwargs={"tenant": "acme", "pk": january.pk})).content.decode()
    assert "Hold 25% until invoice paid" in page
