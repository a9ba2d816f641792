"""Accounts named by an import: resolved by name, created on first sight (bulk, tenant in scope)."""

from __future__ import annotations

from collections.abc import Iterable

from planning.models import Account
from spm.db.bulk import bulk_insert
from spm.tenancy.context import current_tenant


def account_ids_for_names(names: Iterable[str | None], *, create: bool = True) -> dict[str, int]:
    """{account name: id} for every non-blank name, matched exactly (the oldest account of a name);
    with `create`, a name the tenant does not know becomes a new account (its external id is the name,
    made unique). Two queries and one bulk insert, whatever the number of names."""
    wanted = {n for n in names if n}
    known: dict[str, int] = {}
    for pk, name in Account.objects.order_by("-id").values_list("id", "name"):
        if name in wanted:
            known[name] = pk
    missing = sorted(wanted - set(known))
    if missing and create:
        taken = set(Account.objects.values_list("external_id", flat=True))
        rows = []
        for name in missing:
            ext, n = name[:64], 1
            while ext in taken:
                n += 1
                ext = f"{name[:56]}#{n}"
            taken.add(ext)
            rows.append((ext, name))
        new_ext = {ext for ext, _ in rows}
        bulk_insert(Account, ["external_id", "name"], rows, tenant_id=current_tenant().pk)
        known.update({name: pk for pk, ext, name in Account.objects.values_list("id", "external_id", "name")
                      if ext in new_ext})
    return known
