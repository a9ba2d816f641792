"""Scenario accounts, set-based: what `account_upsert` did one record at a time (a savepoint, a
`SELECT … FOR UPDATE`, `full_clean` and an audit row each), as one read, one insert and one update.

Same rules as the service: a record sets the fields it gives (a field it leaves out keeps the stored
value, or the model's default on a new account); the records of one id apply in file order, each
counted created / updated / unchanged as the service counted it; `full_clean`'s checks with its
messages, naming the record. The load's one audit event (`scenario.load`, with the counts) stands for
the per-row ones. tests/hub/test_scenario_accounts.py compares both paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from planning.models import Account
from spm.db.bulk import bulk_insert, bulk_update
from spm.hub.scenario_checks import check_decimal, too_long
from spm.tenancy.context import current_tenant

TEXT = (("name", 200), ("industry", 60), ("country", 60), ("region", 50))
OPTIONAL = ("employees", "annual_revenue", "latitude", "longitude")  # set only when the record gives them
FIELDS = ["name", "industry", "country", "region", *OPTIONAL, "territory_id"]
_INT_MAX = 2**31 - 1  # beyond it the field's validators speak (their limit depends on the database)


def _same(field: str, a, b) -> bool:
    if field in OPTIONAL[1:] and a is not None and b is not None:  # decimals compare by value, as the service
        return Decimal(str(a)) == Decimal(str(b))
    return a == b


def _values(r: dict, territory_ids: dict[str, int]) -> dict:
    where = f"account {r['external_id']!r}"
    too_long(r["external_id"], 64, where, "external_id")
    for field, limit in TEXT:
        too_long(r.get(field), limit, where, field)
    values = {"name": r["name"], **{f: r.get(f) or "" for f, _ in TEXT[1:]},
              "territory_id": territory_ids[r["territory"]] if r.get("territory") else None}
    if "employees" in r:
        if r["employees"] > _INT_MAX:
            _check_int(r["employees"], where)
        values["employees"] = r["employees"]
    for field in OPTIONAL[1:]:
        if field in r:
            check_decimal(Account, field, r[field], where)
            values[field] = r[field]
    return values


def _check_int(value: int, where: str) -> None:
    from django.core.exceptions import ValidationError

    try:
        Account._meta.get_field("employees").run_validators(value)
    except ValidationError as exc:
        raise ValidationError({"employees": [f"{where}: {m}" for m in exc.messages]}) from None


def load_accounts(rows: Iterable[dict], territory_ids: dict[str, int], counts) -> dict[str, int]:
    """Upsert the parsed scenario accounts by external id; returns external id → pk for every account
    of the tenant. `territory_ids`: territory name → pk."""
    existing = {r["external_id"]: r for r in Account.objects.values("id", "external_id", *FIELDS)}
    state: dict[str, dict] = {}  # each id's row after the file's records so far
    for r in rows:
        ext, values = r["external_id"], _values(r, territory_ids)
        current = state.get(ext) or existing.get(ext)
        if current is None:
            state[ext] = {**dict.fromkeys(FIELDS), **values}
            counts["created"] += 1
        elif all(_same(f, current[f], v) for f, v in values.items()):
            counts["unchanged"] += 1
        else:
            state[ext] = {**current, **values}
            counts["updated"] += 1
    new = [ext for ext in state if ext not in existing]
    bulk_insert(Account, ["external_id", *FIELDS], ([ext, *(state[ext][f] for f in FIELDS)] for ext in new),
                tenant_id=current_tenant().pk)
    bulk_update(Account, FIELDS, [(existing[ext]["id"], *(row[f] for f in FIELDS)) for ext, row in state.items()
                                  if ext in existing and any(not _same(f, existing[ext][f], row[f]) for f in FIELDS)])
    ids = {ext: e["id"] for ext, e in existing.items()}
    if new:
        ids.update(Account.objects.filter(external_id__in=new).values_list("external_id", "id"))
    return ids
