"""Writes of the Plan pillar: sellers, accounts, territories and quotas (tenant in scope)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction

from planning.models import Account, Quota, Seller, Territory
from planning.selectors import subtree_ids, with_managers
from spm.changes import inputs_changed, inputs_changed_by_month
from spm.errors import DomainError
from spm.fiscal import months_in_period, parse_period_key
from spm.models import Membership
from spm.tenancy.context import current_tenant
from spm.upsert import UNCHANGED, upsert_audited


def _check_no_cycle(seller: Seller | None, manager: Seller | None, external_id: str) -> None:
    """Refuse a manager chain that leads back to the seller (the hierarchy must be a tree)."""
    if manager is None:
        return
    if seller is not None and manager.pk == seller.pk:
        raise DomainError(f"seller {external_id!r}: manager: a seller cannot manage themselves", code="cycle")
    if seller is None or seller.pk is None or seller.manager_id == manager.pk:
        return  # a new seller, or an unchanged manager, cannot close a cycle
    if manager.pk in subtree_ids([seller.pk]):
        raise DomainError(f"seller {external_id!r}: manager: {manager.external_id!r} reports to this seller "
                          "(the hierarchy would have a cycle)", code="cycle")


def seller_upsert(
    *,
    external_id: str,
    name: str,
    role_type: str = "AE",
    email: str = "",
    manager: Seller | None = None,
    hire_date: dt.date | None = None,
    end_date: dt.date | None = None,
    segment: str = "",
    region: str = "",
    title: str = "",
    user=None,
    actor=None,
) -> tuple[Seller, bool]:
    """Create or update the seller `external_id` with exactly these values.

    Errors: ValidationError on bad fields, DomainError("cycle") when `manager` reports (directly
    or not) to this seller. Idempotent: unchanged values write nothing. Audited as seller.create /
    seller.update. Returns (seller, created).
    """
    with transaction.atomic():
        existing = Seller.objects.select_for_update().filter(external_id=external_id).first()
        _check_no_cycle(existing, manager, external_id)
        values = {
            "name": name, "role_type": role_type, "email": email or "", "manager": manager, "hire_date": hire_date,
            "end_date": end_date, "segment": segment or "", "region": region or "", "title": title or "",
        }
        if user is not None:
            values["user"] = user
        seller = upsert_audited(model=Seller, lookup={"external_id": external_id}, values=values, actor=actor,
                                action_prefix="seller", instance=existing)
        return seller, seller.upsert_status == "created"


def quota_set(
    *, seller: Seller, measure: str = "bookings", period: str, amount, source: str = "manual", actor=None
) -> Quota:
    """Set a seller's quota for one measure and fiscal period key (2027-03, 2027-Q1, 2027).

    Errors: DomainError on a malformed period key or a negative/non-numeric amount. Idempotent;
    audited as quota.create / quota.update with before/after.
    """
    try:
        parse_period_key(period, current_tenant().fiscal_year_start_month)
    except ValueError as exc:
        raise DomainError(f"period: {exc}", code="invalid_period") from None
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError(f"amount: {amount!r} is not a decimal number") from None
    if amount < 0:
        raise DomainError("amount: a quota cannot be negative")
    quota = upsert_audited(
        model=Quota, lookup={"seller": seller, "measure": measure, "period": period},
        values={"amount": amount, "source": source}, actor=actor, action_prefix="quota",
    )
    if quota.upsert_status != UNCHANGED:
        seller_inputs_changed(seller_ids=[seller.pk], months=months_in_period(period, current_tenant().fiscal_year_start_month),
                              reason=f"quota {measure} {period} set to {amount}")
    return quota


ACCOUNT_FIELDS = {"industry", "country", "region", "employees", "annual_revenue", "latitude", "longitude", "potential",
                  "territory"}


def account_upsert(*, external_id: str, name: str, actor=None, **fields) -> tuple[Account, bool]:
    """Create or update account `external_id`; `fields` among ACCOUNT_FIELDS. Idempotent, audited."""
    unknown = set(fields) - ACCOUNT_FIELDS
    if unknown:
        raise DomainError(f"account {external_id!r}: unknown fields {sorted(unknown)}")
    values = {"name": name, **fields}
    for key in ("industry", "country", "region"):
        if key in values and values[key] is None:
            values[key] = ""
    account = upsert_audited(model=Account, lookup={"external_id": external_id}, values=values, actor=actor,
                             action_prefix="account")
    return account, account.upsert_status == "created"


def territory_upsert(
    *, name: str, region: str = "", owner: Seller | None = None, rules: dict | None = None, plan=None, actor=None
) -> tuple[Territory, bool]:
    """Create or update the territory called `name` in `plan` (default: the tenant's default draft
    plan, see planning.territories.services.default_plan). Rules are validated by the territory
    engine; a published plan refuses changes. Idempotent; audited as territory.*."""
    from planning.territories.services import default_plan, territory_save

    if rules is not None and not isinstance(rules, dict):
        raise DomainError(f"territory {name!r}: rules: must be an object", field="rules")
    plan = plan or default_plan()
    existing = Territory.objects.filter(plan=plan, name=name).first()
    if existing is not None and (existing.region, existing.owner_id, existing.rules) == (region or "", getattr(owner, "pk", None), rules or {}):
        existing.upsert_status = "unchanged"
        return existing, False
    territory = territory_save(plan=plan, name=name, rules=rules or {}, owner=owner, region=region or "",
                               precedence=existing.precedence if existing else 100, territory=existing, actor=actor)
    territory.upsert_status = "updated" if existing else "created"
    return territory, existing is None


def seller_link_user(*, seller: Seller, user, actor=None) -> Seller:
    """Link `seller` to the sign-in `user` (or unlink with user=None): what that user then sees as "mine".

    The user must be a member of the tenant in scope (DomainError otherwise). Idempotent; audited
    as seller.update (only when the link changes). Several sellers may share a user (a manager
    record and an AE record of the same person); the visibility rule takes them all.
    """
    if user is not None and not Membership.objects.filter(user=user).exists():
        raise DomainError(f"user: {user} is not a member of this workspace", code="not_member")
    return upsert_audited(model=Seller, lookup={"pk": seller.pk}, values={"user": user}, actor=actor,
                          action_prefix="seller", instance=seller)


def seller_inputs_changed(*, seller_ids, months, reason: str) -> int:
    """Record in the change feed that these sellers' months changed — and their managers' too,
    whose roll-up components credit the same deals. `months` None = every month."""
    ids = with_managers([s for s in seller_ids if s])
    return inputs_changed(seller_ids=ids, months=months, reason=reason) if ids else 0


def seller_months_changed(*, sellers_by_month: dict[str, set[int]], reason: str) -> int:
    """`seller_inputs_changed` for many months at once ({month: seller ids}), each month with its own
    sellers and their managers: one query for the hierarchy and one write (an import's change feed)."""
    parent = dict(Seller.objects.values_list("id", "manager_id"))
    return inputs_changed_by_month(reason=reason, sellers_by_month={
        month: with_managers([s for s in ids if s], parent) for month, ids in sellers_by_month.items()})
