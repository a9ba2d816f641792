"""Reads for the Plan pillar. `visible_seller_ids` is THE visibility rule every selector composes."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from planning.models import Account, Quota, Seller
from spm.roles import TENANT_WIDE_ROLES
from spm.tenancy.access import TenantAccess


def seller_tree() -> dict[int | None, list[int]]:
    """manager id -> direct report ids for the tenant in scope (one query)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for seller_id, manager_id in Seller.objects.values_list("id", "manager_id"):
        children[manager_id].append(seller_id)
    return children


def subtree_ids(root_ids: list[int], children: dict[int | None, list[int]] | None = None) -> set[int]:
    """The roots and everyone below them, recursively (cycle-safe)."""
    children = seller_tree() if children is None else children
    seen: set[int] = set()
    stack = list(root_ids)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(children.get(node, ()))
    return seen


def viewer_sellers(access: TenantAccess) -> list[Seller]:
    """The seller records linked to the viewing user in this tenant (read once per request)."""
    cached = getattr(access, "_viewer_sellers", None)
    if cached is None:
        cached = list(Seller.objects.filter(user=access.membership.user_id))
        object.__setattr__(access, "_viewer_sellers", cached)
    return cached


def personal_seller_ids(access: TenantAccess) -> set[int]:
    """The viewer's own sellers and, for managers and executives, everyone below them (once per request)."""
    cached = getattr(access, "_personal_ids", None)
    if cached is None:
        own = [s.pk for s in viewer_sellers(access)]
        cached = subtree_ids(own) if access.role in ("manager", "executive") else set(own)
        object.__setattr__(access, "_personal_ids", cached)
    return cached


def visible_seller_ids(access: TenantAccess, *, pay: bool = False) -> set[int] | None:
    """Sellers whose records the viewer may see; None means all. THE visibility rule.

    Planning and performance records (sellers, quotas, deals): tenant-wide roles (RevOps,
    finance, executive, admin) see everyone; a manager sees their own subtree, recursively, not
    peers' teams; a rep sees only themselves.
    Pay records (`pay=True`: statements, lines, adjustments, assignments) are tenant-wide only for
    roles with "statements.view_all" (RevOps, finance, admin); everyone else — executives included,
    who read analytics, not people's pay — sees their own and, as a manager, their subtree's.
    """
    key = "_visible_pay" if pay else "_visible_records"
    cached = getattr(access, key, "unset")
    if cached != "unset":
        return cached
    tenant_wide = access.can("statements.view_all") if pay else access.role in TENANT_WIDE_ROLES
    result = None if tenant_wide else personal_seller_ids(access)
    object.__setattr__(access, key, result)
    return result


def visibility_key(access: TenantAccess, *, pay: bool = False) -> str:
    """A short key for what the viewer may see ("all", or a hash of the visible seller ids): the part of
    a cache key that keeps one viewer's cached figures from another's."""
    ids = visible_seller_ids(access, pay=pay)
    return "all" if ids is None else hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()


def id_set(ids) -> object:
    """``field__in`` value for a (possibly large) set of ids: on PostgreSQL one array parameter
    (``unnest``) instead of thousands of placeholders — a manager's subtree can hold thousands of
    sellers, and Django preparing (and the server parsing) one placeholder each costs more than
    the query (0.16 s for 2,000 ids on a loaded machine)."""
    ids = sorted(ids)
    if connection.vendor == "postgresql" and len(ids) > 50:
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


def restrict_to_visible(qs: QuerySet, access: TenantAccess, field: str = "seller", *, pay: bool = False) -> QuerySet:
    """Filter any queryset with a seller foreign key down to what the viewer may see."""
    ids = visible_seller_ids(access, pay=pay)
    return qs if ids is None else qs.filter(**{f"{field}__in": id_set(ids)})


def seller_list(*, access: TenantAccess) -> QuerySet[Seller]:
    qs = Seller.objects.select_related("manager", "user")
    ids = visible_seller_ids(access)
    return qs if ids is None else qs.filter(pk__in=id_set(ids))


def seller_get(*, access: TenantAccess, pk: int) -> Seller | None:
    return seller_list(access=access).filter(pk=pk).first()


def quota_list(*, access: TenantAccess) -> QuerySet[Quota]:
    return restrict_to_visible(Quota.objects.select_related("seller"), access)


def account_list() -> QuerySet[Account]:
    return Account.objects.select_related("territory", "owner")


# --- read contracts: plain rows other pillars consume (the calculation feed, importers) --------


def seller_rows() -> list[tuple[int, int | None, str]]:
    """(id, manager id, external id) of every seller of the tenant in scope, by id (one query)."""
    return list(Seller.objects.order_by("id").values_list("id", "manager_id", "external_id"))


def missing_references(*, seller_ids, account_ids) -> tuple[set[int], set[int]]:
    """The seller and account ids among these that the tenant in scope does not have (two queries):
    how bulk writers of tables with no FK constraints check their references set-based."""
    sellers, accounts = set(seller_ids) - {None}, set(account_ids) - {None}
    if sellers:
        sellers -= set(Seller.objects.values_list("id", flat=True))
    if accounts:
        accounts -= set(Account.objects.values_list("id", flat=True))
    return sellers, accounts


def quota_rows() -> list[tuple[int, str, str, Decimal]]:
    """(seller id, measure, period key, amount) of every quota of the tenant in scope (one query)."""
    return list(Quota.objects.order_by("seller_id", "measure", "period").values_list("seller_id", "measure", "period", "amount"))


def with_managers(seller_ids, parent: dict[int, int | None] | None = None) -> set[int]:
    """The sellers and every manager above them, recursively (one query, none when the caller passes
    `parent`, {seller id: manager id}; cycle-safe)."""
    parent = dict(Seller.objects.values_list("id", "manager_id")) if parent is None else parent
    out: set[int] = set()
    for seller_id in seller_ids:
        node = seller_id
        while node is not None and node not in out:
            out.add(node)
            node = parent.get(node)
    return out


def seller_names(ids) -> dict[int, str]:
    """id → name of these sellers of the tenant in scope (one query; unknown ids left out)."""
    ids = {int(i) for i in ids if isinstance(i, int) or (isinstance(i, str) and i.isdigit())}
    return dict(Seller.objects.filter(id__in=ids).values_list("id", "name")) if ids else {}
