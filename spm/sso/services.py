"""Writes of SSO: the tenant's provider configuration, and a sign-in's user and membership."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError
from spm.models import Membership
from spm.roles import Role
from spm.services.memberships import _refuse_losing_last_admin
from spm.tenancy.context import current_tenant
from spm.tenancy.db import set_db_scope
from spm.upsert import full_clean_or_raise

from .models import SsoDomain, SsoProvider
from .oidc import SsoError, issuer_problem
from .selectors import mapped_role

logger = logging.getLogger(__name__)
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Snapshotted for the audit; the secret never is (a change of it is recorded as "changed").
AUDITED_FIELDS = ["enabled", "issuer", "client_id", "allowed_domains", "role_claim", "role_mapping", "default_role",
                  "create_members"]


def normalise_domains(domains: list[str]) -> list[str]:
    """Lower-case, without "@", each once, in the order given; DomainError naming a bad one."""
    out: list[str] = []
    for raw in domains:
        domain = raw.strip().lower().lstrip("@")
        if not domain:
            continue
        if not DOMAIN_RE.match(domain):
            raise DomainError(f"allowed_domains: {raw.strip()!r} is not an e-mail domain such as example.com",
                              field="allowed_domains", code="invalid_domain")
        if domain not in out:
            out.append(domain)
    return out


def _check_mapping(mapping: list[tuple[str, str]]) -> list[list[str]]:
    out = []
    for value, role in mapping:
        value = str(value).strip()
        if not value:
            raise DomainError("role_mapping: a claim value is empty", field="role_mapping", code="invalid_mapping")
        if role not in Role.values:
            raise DomainError(f"role_mapping: {role!r} (for {value!r}) is not a role; use one of {', '.join(Role.values)}",
                              field="role_mapping", code="invalid_role")
        out.append([value, role])
    return out


def sso_provider_save(
    *,
    actor,
    enabled: bool,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    allowed_domains: list[str],
    role_claim: str,
    role_mapping: list[tuple[str, str]],
    default_role: str,
    create_members: bool,
) -> SsoProvider:
    """Create or update the SSO provider of the tenant in scope, and its entries in the domain directory.

    `client_secret` None or "" keeps the current secret (forms never show it back); required on
    creation. `default_role` "" refuses users whom no mapping entry matches. Enabling needs at least
    one allowed domain. Audited as sso.create / sso.update with before/after of every field but
    the secret, whose change is recorded as ``"client_secret": "changed"``; nothing written when
    nothing changed. Errors: DomainError naming the field.
    """
    issuer = (issuer or "").strip()
    problem = issuer_problem(issuer) if issuer else "give the issuer URL of your identity provider"
    if problem:
        raise DomainError(f"issuer: {problem}", field="issuer", code="invalid_issuer")
    domains = normalise_domains(allowed_domains)
    if enabled and not domains:
        raise DomainError("allowed_domains: name at least one e-mail domain whose people may sign in",
                          field="allowed_domains", code="required")
    if default_role and default_role not in Role.values:
        raise DomainError(f"default_role: {default_role!r} is not a role", field="default_role", code="invalid_role")
    values: dict[str, Any] = {
        "enabled": bool(enabled), "issuer": issuer, "client_id": (client_id or "").strip(),
        "allowed_domains": domains, "role_claim": (role_claim or "").strip() or "groups",
        "role_mapping": _check_mapping(role_mapping), "default_role": default_role or "",
        "create_members": bool(create_members),
    }
    with transaction.atomic():
        provider = SsoProvider.objects.select_for_update().first()
        created = provider is None
        if created:
            provider = SsoProvider(tenant=current_tenant())
            if not client_secret:
                raise DomainError("client_secret: give the client secret your identity provider issued",
                                  field="client_secret", code="required")
        before = None if created else snapshot(provider, AUDITED_FIELDS)
        for name, value in values.items():
            setattr(provider, name, value)
        secret_changed = bool(client_secret) and client_secret != provider.client_secret
        if secret_changed:
            provider.client_secret = client_secret
        after = snapshot(provider, AUDITED_FIELDS)
        if not created and after == before and not secret_changed:
            return provider
        full_clean_or_raise(provider)
        provider.save()
        if secret_changed:
            after["client_secret"] = "changed"
        audit_record(actor=actor, action="sso.create" if created else "sso.update", instance=provider,
                     before=before, after=after)
        # The directory lists a workspace under a domain only while its SSO is on.
        SsoDomain.objects.filter(tenant=provider.tenant).delete()
        if provider.enabled:
            SsoDomain.objects.bulk_create([SsoDomain(domain=d, tenant=provider.tenant) for d in domains])
    return provider


# --- a sign-in ------------------------------------------------------------------------------------


def _verified_email(claims: dict[str, Any]) -> str:
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email:
        raise SsoError("Your identity provider did not share your e-mail address: it must allow the 'email' scope.",
                       code="no_email")
    if claims.get("email_verified") not in (True, "true"):
        raise SsoError(f"Your identity provider has not verified {email}, so it cannot sign you in here.",
                       code="email_not_verified", status=403)
    return email


def _refuse(message: str, code: str) -> SsoError:
    return SsoError(message, code=code, status=403)


def _user_for(email: str, *, tenant, provider: SsoProvider, claims: dict[str, Any]):
    User = get_user_model()
    user = (User._default_manager.filter(email__iexact=email).order_by("id").first()
            or User._default_manager.filter(username__iexact=email).order_by("id").first())
    if user is None:
        if not provider.create_members:
            raise _refuse(f"{email} is not a member of {tenant.name}. Ask an administrator to invite you.", "not_a_member")
        user = User(username=email, email=email, first_name=str(claims.get("given_name") or "")[:150],
                    last_name=str(claims.get("family_name") or "")[:150])
        user.set_unusable_password()
        full_clean_or_raise(user)
        user.save()
        return user, True
    if not user.is_active:
        raise _refuse(f"The account {email} is disabled.", "inactive")
    if user.is_staff or user.is_superuser:
        # A workspace's identity provider must not be able to take over a platform operator.
        raise _refuse("Staff accounts sign in with their password, not by a workspace's SSO.", "staff")
    return user, False


def _belongs_elsewhere(user, tenant) -> bool:
    # The membership policy shows a user their own rows when app.user_id is set; set it for this
    # transaction (the tenant stays set), so memberships of other tenants are visible to this check.
    set_db_scope(tenant_id=tenant.pk, user_id=user.pk)
    return Membership.all_tenants.filter(user_id=user.pk).exclude(tenant=tenant).exists()


def sso_sign_in(*, provider: SsoProvider, claims: dict[str, Any]):
    """Map a validated ID token of the tenant's provider to a user and a membership; return the user.

    The e-mail must be verified and of an allowed domain. The role is the first mapping entry the
    user's claim values match; with none, an existing member keeps their role and a new member gets
    `default_role` (or is refused when it is blank) — SSO never grants more than the mapping says.
    Creates the user and/or membership only when `create_members` is on. Refused (SsoError, 403):
    a disabled, staff or superuser account, and an account that is a member of another workspace
    too — one tenant's provider cannot sign anybody into another tenant. Audited: membership.create /
    membership.update with "via": "sso", and sso.sign_in. Runs inside the tenant's transaction.
    """
    tenant = current_tenant()
    email = _verified_email(claims)
    domain = email.rsplit("@", 1)[1]
    if domain not in provider.allowed_domains:
        raise _refuse(f"People with {domain} e-mail addresses may not sign in to {tenant.name} by SSO. "
                      "Use the e-mail address your organisation gave you, or ask your administrator.",
                      "domain_not_allowed")
    role = mapped_role(provider, claims)
    with transaction.atomic():
        user, user_created = _user_for(email, tenant=tenant, provider=provider, claims=claims)
        if not user_created and _belongs_elsewhere(user, tenant):
            raise _refuse(f"{email} also belongs to another workspace, so {tenant.name}'s identity provider cannot sign "
                          "it in. Sign in with your password.", "member_elsewhere")
        membership = Membership.objects.select_for_update().filter(user=user).first()
        if membership is None:
            role = role or provider.default_role
            if not provider.create_members:
                raise _refuse(f"{email} is not a member of {tenant.name}. Ask an administrator to invite you.",
                              "not_a_member")
            if not role:
                raise _refuse(f"None of your groups at the identity provider gives access to {tenant.name}.", "no_role")
            membership = Membership(user=user, role=role, tenant=tenant)
            full_clean_or_raise(membership)
            membership.save()
            audit_record(actor=user, action="membership.create", instance=membership,
                         after={**snapshot(membership), "email": email, "via": "sso"})
        elif role and role != membership.role:
            try:
                if role != Role.ADMIN:
                    _refuse_losing_last_admin(membership, verb="change the role of")
            except ConflictError:
                raise _refuse(f"Your identity provider now gives you the {Role(role).label} role, but you are the last "
                              f"admin of {tenant.name}: another admin must be named first.", "last_admin") from None
            before = snapshot(membership, ["role"])
            membership.role = role
            membership.save(update_fields=["role"])
            audit_record(actor=user, action="membership.update", instance=membership, before=before,
                         after={"role": role, "via": "sso"})
        audit_record(actor=user, action="sso.sign_in", instance=membership,
                     after={"email": email, "role": membership.role, "issuer": provider.issuer,
                            "user_created": user_created})
    return user
