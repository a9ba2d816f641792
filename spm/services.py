"""Writes of the shared kernel: tenants, memberships, FX rates and pay periods.

Also holds `upsert_audited`, the one way every pillar's upserts decide created / updated /
unchanged and write their audit event. The fiscal calendar is `spm.fiscal`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError, PermissionDeniedError
from spm.fiscal import is_month_key, parse_period_key
from spm.models import FxRate, Membership, Period, Tenant
from spm.roles import Role
from spm.tenancy.context import current_tenant

# Set on instances returned by upserts so bulk loaders can count what happened.
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def validate_month_key(key: str, field: str = "period") -> str:
    if not is_month_key(key):
        raise DomainError(f"{field}: {key!r} is not a month key like 2027-03", code="invalid_period")
    return key


def _changed_fields(instance: models.Model, values: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in values.items():
        field = instance._meta.get_field(name)
        current = getattr(instance, field.attname)
        new = value.pk if isinstance(value, models.Model) else value
        if isinstance(field, models.DecimalField) and new is not None and current is not None:
            if Decimal(str(current)) != Decimal(str(new)):
                changed.append(name)
        elif current != new:
            changed.append(name)
    return changed


def upsert_audited(
    *,
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    actor,
    action_prefix: str,
    instance: models.Model | None = None,
    audit: bool = True,
) -> models.Model:
    """Create or update one tenant row found by `lookup`; audit only real changes.

    Validates with `full_clean()`; writes "<prefix>.create" or "<prefix>.update" with before/after
    snapshots; when nothing differs writes nothing. The returned instance carries
    `upsert_status` (created | updated | unchanged); `audit=False` lets a caller that audits a
    larger change (a deal with its splits) write the one event itself. Must run inside the tenant scope.
    """
    with transaction.atomic():
        if instance is None:
            instance = model.objects.select_for_update().filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **values)
            instance.tenant = current_tenant()
            instance.full_clean()
            instance.save()
            if audit:
                audit_record(actor=actor, action=f"{action_prefix}.create", instance=instance, after=snapshot(instance))
            instance.upsert_status = CREATED
            return instance
        changed = _changed_fields(instance, values)
        if not changed:
            instance.upsert_status = UNCHANGED
            return instance
        before = snapshot(instance)
        for name in changed:
            setattr(instance, name, values[name])
        instance.full_clean()
        instance.save()
        if audit:
            audit_record(actor=actor, action=f"{action_prefix}.update", instance=instance, before=before,
                         after=snapshot(instance))
        instance.upsert_status = UPDATED
        return instance


def tenant_create_or_update(
    *, slug: str, name: str, base_currency: str = "USD", fiscal_year_start_month: int = 1
) -> Tenant:
    """Create the tenant `slug` or update its name, currency and fiscal year start.

    No tenant scope needed. Raises django ValidationError on bad values. Idempotent.
    """
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().filter(slug=slug).first() or Tenant(slug=slug)
        values = {"name": name, "base_currency": base_currency, "fiscal_year_start_month": fiscal_year_start_month}
        if tenant.pk and all(getattr(tenant, k) == v for k, v in values.items()):
            return tenant
        for key, value in values.items():
            setattr(tenant, key, value)
        tenant.full_clean()
        tenant.save()
        return tenant


def _require_role(role: str) -> None:
    if role not in Role.values:
        raise DomainError(f"role: unknown role {role!r}", code="invalid_role")


def membership_set(*, user, role: str, actor=None) -> Membership:
    """Give `user` the `role` in the tenant in scope (creating the membership). Audited."""
    _require_role(role)
    return upsert_audited(model=Membership, lookup={"user": user}, values={"role": role}, actor=actor,
                          action_prefix="membership")


def fx_rate_set(*, currency: str, effective_from: dt.date, rate_to_base: Decimal, actor=None) -> FxRate:
    """Upsert the FX rate of `currency` from `effective_from` (1 currency = rate base). Audited."""
    return upsert_audited(
        model=FxRate, lookup={"currency": currency, "effective_from": effective_from},
        values={"rate_to_base": Decimal(str(rate_to_base))}, actor=actor, action_prefix="fxrate",
    )


def _period_get_or_create(key: str) -> Period:
    tenant = current_tenant()
    try:
        start, end, kind = parse_period_key(key, tenant.fiscal_year_start_month)
    except ValueError as exc:
        raise DomainError(f"period: {exc}", code="invalid_period") from None
    period = Period.objects.select_for_update().filter(key=key).first()
    if period is None:
        period = Period(key=key, kind=kind, start=start, end=end, tenant=tenant)
        period.full_clean()
        period.save()
    return period


def _period_set_status(period: str, *, to: str, actor, action: str, conflict: str) -> Period:
    with transaction.atomic():
        row = _period_get_or_create(period)
        if row.status == to:
            raise ConflictError(conflict)
        before = snapshot(row, ["status"])
        row.status = to
        row.save(update_fields=["status"])
        audit_record(actor=actor, action=action, instance=row, before=before, after=snapshot(row, ["status"]))
        return row


def period_close(*, period: str, actor) -> Period:
    """Close pay period `period` (a month key): calculations and adjustments no longer touch it.

    Creates the Period row when missing. ConflictError when already closed. Audited.
    """
    return _period_set_status(period, to=Period.Status.CLOSED, actor=actor, action="period.close",
                              conflict=f"Period {period} is already closed.")


def period_reopen(*, period: str, actor) -> Period:
    """Reopen a closed period. ConflictError when it is not closed. Audited."""
    return _period_set_status(period, to=Period.Status.OPEN, actor=actor, action="period.reopen",
                              conflict=f"Period {period} is not closed.")


def period_is_closed(period: str) -> bool:
    """True when the month `period` of the tenant in scope is closed."""
    return Period.objects.filter(key=period, status=Period.Status.CLOSED).exists()


def closed_periods() -> set[str]:
    """Keys of every closed period of the tenant in scope (one query)."""
    return set(Period.objects.filter(status=Period.Status.CLOSED).values_list("key", flat=True))


# --- members: invite, change role, remove (the members page calls these) ---------------------------




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
        raise DomainError(f"email: {email!r} is not an e-mail address", code="invalid_email") from None
    _require_role(role)
    User = get_user_model()
    with transaction.atomic():
        user = (User.objects.filter(email__iexact=email).order_by("id").first()
                or User.objects.filter(username__iexact=email).order_by("id").first())
        if user is None:
            user = User(username=email, email=email)
            user.set_unusable_password()
            user.full_clean()
            user.save()
        existing = Membership.objects.filter(user=user).first()
        if existing is not None:
            raise ConflictError(f"{email} is already a member ({existing.get_role_display()}).", code="already_member")
        membership = Membership(user=user, role=role, tenant=current_tenant())
        membership.full_clean()
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
        membership.full_clean()
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
