"""Memberships: set, invite, change role, remove (the members page and the demo call these)."""

from __future__ import annotations

from django.db import transaction

from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError, PermissionDeniedError
from spm.models import Membership, Tenant
from spm.roles import Role
from spm.tenancy.context import current_tenant
from spm.upsert import full_clean_or_raise, upsert_audited


def _require_role(role: str) -> None:
    if role not in Role.values:
        raise DomainError(f"role: unknown role {role!r}", field="role", code="invalid_role")


def membership_set(*, user, role: str, actor=None) -> Membership:
    """Give `user` the `role` in the tenant in scope (creating the membership). Audited."""
    _require_role(role)
    return upsert_audited(model=Membership, lookup={"user": user}, values={"role": role}, actor=actor,
                          action_prefix="membership")


def _admin_memberships_locked() -> list[Membership]:
    # Row locks on every admin membership of the tenant, in id order: two admins demoting or
    # removing each other at the same moment serialise here, so "never the last admin" holds.
    return list(Membership.objects.select_for_update().filter(role=Role.ADMIN).order_by("id"))


def _refuse_losing_last_admin(membership: Membership, *, verb: str) -> None:
    if membership.role != Role.ADMIN:
        return
    admins = _admin_memberships_locked()
    if [m.pk for m in admins] == [membership.pk]:
        raise ConflictError(
            f"{membership.user.email or membership.user} is the last admin of this workspace: "
            f"make someone else admin before you {verb} them.", code="last_admin",
        )


def _send_password_set_email(*, user, tenant: Tenant, domain: str, use_https: bool) -> None:
    """A "choose your password" e-mail through Django's password-reset machinery.

    PasswordResetForm only mails users with a usable password (a reset must not resurrect a
    disabled account); an invited user has none yet, so the form is pointed at this user only.
    """
    from django.contrib.auth.forms import PasswordResetForm

    class _InviteForm(PasswordResetForm):
        def get_users(self, email):
            return [user] if user.is_active else []

    form = _InviteForm(data={"email": user.email})
    if form.is_valid():
        form.save(
            domain_override=domain, use_https=use_https,
            subject_template_name="registration/invite_subject.txt",
            email_template_name="registration/invite_email.txt",
            extra_email_context={"tenant": tenant},
        )


def membership_invite(
    *, email: str, role: str, actor, domain: str = "localhost:8000", use_https: bool = False
) -> Membership:
    """Add the person with this e-mail to the tenant in scope with `role`.

    Creates the user when nobody has this e-mail yet (username = e-mail, unusable password) and,
    when the user has no usable password, sends a password-set e-mail once the transaction commits
    (link to `domain`). Errors: DomainError on a bad e-mail or role; ConflictError when the person
    is already a member. Not idempotent (the second call conflicts). Audited as membership.create.
    """
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(f"email: {email!r} is not an e-mail address", field="email", code="invalid_email") from None
    _require_role(role)
    User = get_user_model()
    with transaction.atomic():
        user = (User.objects.filter(email__iexact=email).order_by("id").first()
                or User.objects.filter(username__iexact=email).order_by("id").first())
        if user is None:
            user = User(username=email, email=email)
            user.set_unusable_password()
            full_clean_or_raise(user)
            user.save()
        existing = Membership.objects.filter(user=user).first()
        if existing is not None:
            raise ConflictError(f"{email} is already a member ({existing.get_role_display()}).", code="already_member")
        membership = Membership(user=user, role=role, tenant=current_tenant())
        full_clean_or_raise(membership)
        membership.save()
        audit_record(actor=actor, action="membership.create", instance=membership,
                     after={**snapshot(membership), "email": email})
        if not user.has_usable_password():
            # After commit (and with the tenant captured now, the scope may be gone by then): no
            # e-mail for a membership that rolled back.
            tenant = current_tenant()
            transaction.on_commit(
                lambda: _send_password_set_email(user=user, tenant=tenant, domain=domain, use_https=use_https)
            )
        return membership


def membership_role_change(*, membership: Membership, role: str, actor) -> Membership:
    """Give a member another role. Idempotent (same role: nothing written).

    Errors: DomainError on an unknown role; PermissionDeniedError when `actor` changes their own
    role (another admin must); ConflictError when it would leave the tenant without an admin.
    Audited as membership.update.
    """
    _require_role(role)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if membership.role == role:
            return membership
        if getattr(actor, "pk", None) == membership.user_id:
            raise PermissionDeniedError("You cannot change your own role: ask another admin.", code="self")
        if role != Role.ADMIN:
            _refuse_losing_last_admin(membership, verb="change the role of")
        before = snapshot(membership, ["role"])
        membership.role = role
        full_clean_or_raise(membership)
        membership.save(update_fields=["role"])
        audit_record(actor=actor, action="membership.update", instance=membership, before=before,
                     after=snapshot(membership, ["role"]))
        return membership


def membership_remove(*, membership: Membership, actor) -> None:
    """Take a member out of the tenant in scope (the user account itself stays).

    Errors: PermissionDeniedError when `actor` removes themselves; ConflictError for the last
    admin. Audited as membership.delete with the state before.
    """
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if getattr(actor, "pk", None) == membership.user_id:
            raise PermissionDeniedError("You cannot remove yourself: ask another admin.", code="self")
        _refuse_losing_last_admin(membership, verb="remove")
        before = {**snapshot(membership), "email": membership.user.email}
        audit_record(actor=actor, action="membership.delete", instance=membership, before=before)
        membership.delete()
