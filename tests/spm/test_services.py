"""membership_invite / membership_role_change / membership_remove and seller_link_user.

Run inside the tenant scope like every service; acme's admin is the actor unless a test says
otherwise. The rules: never the last admin, never yourself, always audited.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from planning.services import seller_link_user
from spm.errors import ConflictError, DomainError, PermissionDeniedError
from spm.models import AuditEvent, Membership, Period
from spm.services import (
    membership_invite,
    membership_remove,
    membership_role_change,
    period_close,
    period_is_closed,
    period_reopen,
)
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


User = get_user_model()


def membership(world, persona) -> Membership:
    with tenant_atomic(world.tenant):
        return Membership.objects.select_related("user").get(user=world.users[persona])


def test_invite_creates_the_user_without_a_password_and_mails_a_link(acme, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        m = membership_invite(email=" New.Person@Acme.test ", role="finance", actor=acme.users["admin"], domain="rcc.example")
    user = User.objects.get(pk=m.user_id)
    assert (user.username, user.email, user.has_usable_password(), m.role) == (
        "new.person@acme.test", "new.person@acme.test", False, "finance")
    [mail] = mailoutbox
    assert mail.to == ["new.person@acme.test"]
    assert "Acme" in mail.subject and "http://rcc.example/accounts/reset/" in mail.body
    with tenant_atomic(acme.tenant):
        event = AuditEvent.objects.get(action="membership.create")
    assert (event.actor, event.after["role"], event.after["email"]) == (acme.users["admin"], "finance", "new.person@acme.test")


def test_invite_reuses_an_existing_user_of_another_tenant_and_sends_nothing(acme, globex, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        m = membership_invite(email="FINANCE@globex.test", role="executive", actor=acme.users["admin"])
    assert m.user_id == globex.users["finance"].pk
    assert mailoutbox == []  # they already have a password
    with tenant_atomic(globex.tenant):
        assert Membership.objects.get(user=globex.users["finance"]).role == "finance"  # untouched


@pytest.mark.parametrize(("email", "role", "error"), [
    ("not-an-email", "rep", DomainError), ("x@acme.test", "pope", DomainError), ("rep@acme.test", "rep", ConflictError),
])
def test_invite_refuses_bad_input_and_existing_members(acme, email, role, error):
    with tenant_atomic(acme.tenant), pytest.raises(error):
        membership_invite(email=email, role=role, actor=acme.users["admin"])
    assert not User.objects.filter(email="x@acme.test").exists()


def test_role_change_is_audited_and_idempotent(acme):
    with tenant_atomic(acme.tenant):
        m = membership_role_change(membership=membership(acme, "rep"), role="manager", actor=acme.users["admin"])
        membership_role_change(membership=m, role="manager", actor=acme.users["admin"])
        events = list(AuditEvent.objects.filter(action="membership.update"))
    assert m.role == "manager"
    assert [(e.before, e.after) for e in events] == [({"role": "rep"}, {"role": "manager"})]


def test_nobody_changes_their_own_role(acme):
    with tenant_atomic(acme.tenant), pytest.raises(PermissionDeniedError, match="your own role"):
        membership_role_change(membership=membership(acme, "admin"), role="rep", actor=acme.users["admin"])


def test_the_last_admin_cannot_be_demoted_or_removed(acme):
    # finance acts here so the self-rule does not hide the last-admin rule
    with tenant_atomic(acme.tenant):
        with pytest.raises(ConflictError, match="last admin"):
            membership_role_change(membership=membership(acme, "admin"), role="rep", actor=acme.users["finance"])
        with pytest.raises(ConflictError, match="last admin"):
            membership_remove(membership=membership(acme, "admin"), actor=acme.users["finance"])
        membership_role_change(membership=membership(acme, "revops"), role="admin", actor=acme.users["admin"])
        membership_role_change(membership=membership(acme, "admin"), role="finance", actor=acme.users["revops"])
        assert set(Membership.objects.filter(role="admin").values_list("user__email", flat=True)) == {"revops@acme.test"}


def test_remove_deletes_the_membership_only_and_is_audited(acme, globex):
    factory_user = acme.users["executive"]
    with tenant_atomic(acme.tenant):
        membership_remove(membership=membership(acme, "executive"), actor=acme.users["admin"])
        assert not Membership.objects.filter(user=factory_user).exists()
        event = AuditEvent.objects.get(action="membership.delete")
    assert User.objects.filter(pk=factory_user.pk).exists()
    assert (event.before["role"], event.before["email"], event.after) == ("executive", "exec@acme.test", None)


def test_nobody_removes_themselves(acme):
    with tenant_atomic(acme.tenant), pytest.raises(PermissionDeniedError, match="remove yourself"):
        membership_remove(membership=membership(acme, "finance"), actor=acme.users["finance"])


def test_link_a_member_to_a_seller(acme, globex):
    seller = acme.sellers["other_manager"]
    with tenant_atomic(acme.tenant):
        seller = seller_link_user(seller=seller, user=acme.users["executive"], actor=acme.users["admin"])
        assert seller.user_id == acme.users["executive"].pk
        assert AuditEvent.objects.filter(action="seller.update", object_id=str(seller.pk)).count() == 1
        seller_link_user(seller=seller, user=acme.users["executive"], actor=acme.users["admin"])  # unchanged: no event
        assert AuditEvent.objects.filter(action="seller.update", object_id=str(seller.pk)).count() == 1
        with pytest.raises(DomainError, match="not a member"):
            seller_link_user(seller=seller, user=globex.users["rep"], actor=acme.users["admin"])
        assert seller_link_user(seller=seller, user=None, actor=acme.users["admin"]).user_id is None


def test_a_period_closes_and_reopens_once_each_and_every_step_is_audited(acme):
    finance = acme.users["finance"]
    with tenant_atomic(acme.tenant):
        period_close(period="2027-01", actor=finance)
        assert period_is_closed("2027-01")
        with pytest.raises(ConflictError, match="already closed"):
            period_close(period="2027-01", actor=finance)
        period_reopen(period="2027-01", actor=finance)
        assert Period.objects.get(key="2027-01").status == Period.Status.OPEN
        with pytest.raises(ConflictError, match="not closed"):
            period_reopen(period="2027-01", actor=finance)
        events = list(AuditEvent.objects.filter(object_type="spm.period").order_by("id").values_list("action", "before", "after"))
    assert events == [
        ("period.close", {"status": "open"}, {"status": "closed"}),
        ("period.reopen", {"status": "closed"}, {"status": "open"}),
    ]
