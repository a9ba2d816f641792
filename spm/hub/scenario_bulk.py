"""Set-based write stage of `load_scenario` for the big kinds: sellers, quotas, deals (+ splits).

Sellers and quotas: read the existing rows by external id in one query, compute created/updated/
unchanged in memory (Decimal-exact comparisons), insert new rows with `spm.db.bulk.bulk_insert` (COPY
on PostgreSQL) and changed rows with one UPDATE per batch. Deals arrive as columns
(`spm.hub.scenario_deals.Deals`) and are never turned into one object per record: on PostgreSQL they
are COPYed into a staging table and compared with the stored deals and splits in SQL, and each kind
of write (insert, update, stage changes, splits) is one statement; elsewhere the same comparison runs
in Python. A StageChange is recorded for every new deal and every deal whose stage changed. The
caller writes ONE audit record with the counts and ONE change-feed call for the affected
(seller, month) pairs.

Everything runs in the caller's transaction inside `tenant_atomic`; any DomainError aborts it all.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone

from performance.models import (
    STAGE_NAME_MAX,
    Opportunity,
    OpportunitySplit,
    PipelineStage,
    StageChange,
    default_forecast_category,
    stage_flags,
)
from performance.pipeline.summaries import pipeline_summaries_refresh
from planning.models import Quota, Seller
from spm.db.bulk import bulk_insert, bulk_update, constant_columns, copy_columns
from spm.errors import DomainError
from spm.fiscal import month_key, months_in_period
from spm.hub.scenario_checks import check_decimal, too_long
from spm.hub.scenario_deals import Deals
from spm.tenancy.context import current_tenant


class Affected:
    """(seller, month) pairs whose calculation inputs this load changed, by month (for the change feed)."""

    def __init__(self) -> None:
        self.by_month: dict[str, set[int]] = {}

    def add(self, sellers, months) -> None:
        """Every seller of `sellers` in every month of `months` (falsy ones skipped)."""
        sellers = {s for s in sellers if s}
        if sellers:
            for m in months:
                if m:
                    self.by_month.setdefault(m, set()).update(sellers)


def _dec_equal(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return Decimal(str(a)) == Decimal(str(b))


# --- sellers -------------------------------------------------------------------------------------

SELLER_FIELDS = ["name", "role_type", "email", "hire_date", "end_date", "segment", "region", "title"]


def load_sellers(rows: list[dict], counts) -> dict[str, int]:
    """Upsert sellers by external id; returns external id → pk for every seller of the tenant."""
    existing = {r["external_id"]: r for r in Seller.objects.values("id", "external_id", "manager_id", *SELLER_FIELDS)}
    tenant_id = current_tenant().pk
    for r in rows:
        too_long(r["external_id"], 64, f"seller {r['external_id'][:64]!r}", "external_id")
        too_long(r["name"], 200, f"seller {r['external_id']!r}", "name")
        for f, limit in (("email", 254), ("title", 100), ("segment", 50), ("region", 50)):
            too_long(r[f], limit, f"seller {r['external_id']!r}", f)
        if r["email"]:
            try:
                validate_email(r["email"])
            except ValidationError as exc:
                raise ValidationError({"email": [f"seller {r['external_id']!r}: {m}" for m in exc.messages]}) from None
    new = [r for r in rows if r["external_id"] not in existing]
    bulk_insert(Seller, ["external_id", *SELLER_FIELDS], ([r["external_id"], *(r[f] for f in SELLER_FIELDS)] for r in new),
                tenant_id=tenant_id)
    ids = {ext: e["id"] for ext, e in existing.items()}
    if new:
        ids.update(Seller.objects.filter(external_id__in=[r["external_id"] for r in new])
                   .values_list("external_id", "id"))
    managers = {e["id"]: e["manager_id"] for e in existing.values()}
    target = {ids[r["external_id"]]: (ids[r["manager"]] if r["manager"] else None) for r in rows}
    managers.update(target)
    for r in rows:  # a DB chain that loops back (the file's own loops were reported by validation)
        pk, node, seen = ids[r["external_id"]], target[ids[r["external_id"]]], set()
        while node is not None and node not in seen:
            if node == pk:
                manager = r["manager"]
                raise DomainError(f"seller {r['external_id']!r}: manager: {manager!r} reports to this seller "
                                  "(the hierarchy would have a cycle)", code="cycle", field="manager")
            seen.add(node)
            node = managers.get(node)
    changed, new_ids = [], {r["external_id"] for r in new}
    for r in rows:
        pk = ids[r["external_id"]]
        if r["external_id"] in new_ids:
            counts["created"] += 1
            if target[pk] is not None:
                changed.append((pk, target[pk], *(r[f] for f in SELLER_FIELDS)))
            continue
        e = existing[r["external_id"]]
        if e["manager_id"] == target[pk] and all(e[f] == r[f] for f in SELLER_FIELDS):
            counts["unchanged"] += 1
            continue
        counts["updated"] += 1
        changed.append((pk, target[pk], *(r[f] for f in SELLER_FIELDS)))
    bulk_update(Seller, ["manager_id", *SELLER_FIELDS], changed)
    return ids


# --- quotas --------------------------------------------------------------------------------------


def load_quotas(rows: list[dict], seller_ids: dict[str, int], counts, affected: Affected, fy_start: int) -> None:
    # order_by(): Quota's default ordering joins the sellers to sort by name; right after a first load the
    # planner still counts the tenant's quotas as none and nested-looped that join for minutes (1M bench)
    existing = {(q["seller_id"], q["measure"], q["period"]): q
                for q in Quota.objects.order_by().values("id", "seller_id", "measure", "period", "amount", "source")}
    last: dict[tuple, dict] = {}
    for r in rows:  # the last record of a (seller, measure, period) wins, like repeated quota_set calls
        too_long(r["measure"], 40, f"quota of {r['seller']!r}", "measure")
        check_decimal(Quota, "amount", r["amount"], f"quota of {r['seller']!r} {r['period']}")
        last[(seller_ids[r["seller"]], r["measure"], r["period"])] = r
    new, changed = [], []
    months_of: dict[str, list[str]] = {}  # a few distinct periods for 120,000 quotas: parsed once each
    for r in rows:
        key = (seller_ids[r["seller"]], r["measure"], r["period"])
        e = existing.get(key)
        if e is None:
            counts["created"] += 1
        elif _dec_equal(e["amount"], r["amount"]) and e["source"] == r["source"]:
            counts["unchanged"] += 1
            continue
        else:
            counts["updated"] += 1
        if last[key] is not r:
            continue  # a later record of the same key is written instead
        months = months_of.get(r["period"])
        if months is None:
            months = months_of[r["period"]] = months_in_period(r["period"], fy_start)
        affected.add([key[0]], months)
        if e is None:
            new.append((key[0], key[1], key[2], r["amount"], r["source"]))
        else:
            changed.append((e["id"], r["amount"], r["source"]))
    bulk_insert(Quota, ["seller_id", "measure", "period", "amount", "source"], new, tenant_id=current_tenant().pk)
    bulk_update(Quota, ["amount", "source"], changed)


# --- deals ---------------------------------------------------------------------------------------

DEAL_FIELDS = ["name", "owner_id", "account_id", "amount", "currency", "stage", "is_closed", "is_won",
               "forecast_category", "deal_type", "created_date", "close_date"]
# A str(Decimal) with an exponent or more than two decimals: only then is the per-row digits check run.
_AMOUNT_SUSPECT = re.compile(r"E|\.\d\d\d")


def _splits(raw, seller_ids: dict[str, int]) -> list[tuple[int, Decimal]]:
    out: dict[int, Decimal] = {}
    for seller, pct in raw:
        if pct > 100:
            raise DomainError(f"splits: pct {pct} of seller {seller!r} must be in (0, 100]", field="splits")
        pk = seller_ids[seller]
        out[pk] = out.get(pk, Decimal(0)) + pct
    return sorted(out.items())


def _check_deal_rows(deals: Deals, names: list[str]) -> None:
    """The checks full_clean made per row, a column at a time; a column that may hold a failing value
    is re-checked row by row, in file order, so the first failing row raises with its own message."""
    amount_field = Opportunity._meta.get_field("amount")
    places = -amount_field.decimal_places
    too_big = Decimal(10) ** (amount_field.max_digits - amount_field.decimal_places)
    ext, stage, amount = deals.external_id, deals.stage, deals.amount
    if not ext:
        return
    if (max(map(len, ext)) <= 64 and max(map(len, names)) <= 200 and max(map(len, stage)) <= STAGE_NAME_MAX
            and not _AMOUNT_SUSPECT.search("\n".join(map(str, amount))) and -too_big < min(amount)
            and max(amount) < too_big):
        return
    for e, name, st, value in zip(ext, names, stage, amount, strict=True):
        where = f"deal {e!r}"
        too_long(e, 64, where, "external_id")
        too_long(name, 200, where, "name")
        too_long(st, STAGE_NAME_MAX, where, "stage")
        exponent = value.as_tuple().exponent
        if (isinstance(exponent, int) and exponent < places) or abs(value) >= too_big:
            check_decimal(Opportunity, "amount", value, where)


def _deal_columns(deals: Deals, seller_ids: dict[str, int], account_ids: dict[str, int],
                  base_currency: str) -> dict[str, list]:
    """The deal table's columns (DEAL_FIELDS) for the parsed deals, built a column at a time."""
    n = len(deals)
    names = deals.name if None not in deals.name else [v or "" for v in deals.name]
    _check_deal_rows(deals, names)
    flags = {name: (c, w) for name, c, w in PipelineStage.objects.values_list("name", "is_closed", "is_won")}
    state = {s: (bool(flags[s][0]), bool(flags[s][1])) if s in flags else stage_flags(s) for s in set(deals.stage)}
    is_won = [state[s][1] for s in deals.stage]
    if None in deals.close_date:
        for ext, won, close in zip(deals.external_id, is_won, deals.close_date, strict=True):
            if won and close is None:
                raise DomainError(f"deal {ext!r}: close_date: required for a closed-won deal", field="close_date")
    currency = {c: (c or base_currency).upper() for c in set(deals.currency)}
    category = {s: default_forecast_category(*state[s]) for s in state}
    return {
        "name": names,
        "owner_id": list(map(seller_ids.__getitem__, deals.owner)),
        "account_id": [account_ids[a] if a else None for a in deals.account] if any(deals.account) else [None] * n,
        "amount": deals.amount,
        "currency": list(map(currency.__getitem__, deals.currency)),
        "stage": deals.stage,
        "is_closed": [state[s][0] for s in deals.stage],
        "is_won": is_won,
        "forecast_category": [c or category[s] for c, s in zip(deals.forecast_category, deals.stage, strict=True)],
        "deal_type": deals.deal_type,
        "created_date": deals.created_date,
        "close_date": deals.close_date,
    }


def load_deals(deals: Deals, seller_ids: dict[str, int], account_ids: dict[str, int], counts,
               affected: Affected) -> None:
    """Upsert deals and their splits by external id: new deals inserted (with a first StageChange),
    changed ones updated (a StageChange when the stage moved, splits replaced when they changed),
    unchanged ones left alone; `counts` and `affected` (won deals' sellers and months, before and
    after) filled in. PostgreSQL compares and writes set-based in SQL (`_write_deals_sql`); other
    databases compare in Python (`_write_deals_python`) with the same result."""
    if not len(deals):
        return
    tenant = current_tenant()
    columns = _deal_columns(deals, seller_ids, account_ids, tenant.base_currency)
    splits = {i: _splits(raw, seller_ids) for i, raw in enumerate(deals.splits) if raw}
    write = _write_deals_sql if connection.vendor == "postgresql" else _write_deals_python
    created, updated, owners, moved = write(tenant.pk, deals.external_id, columns, splits, affected)
    for status, number in (("created", created), ("updated", updated), ("unchanged", len(deals) - created - updated)):
        if number:
            counts[status] += number
    pipeline_summaries_refresh(owner_ids=owners, norms=moved)


def _write_deals_python(tenant_id: int, ext: list[str], columns: dict[str, list], splits: dict[int, list],
                        affected: Affected) -> tuple[int, int, set[int], bool]:
    """Compare with the tenant's deals in Python and write with bulk_insert / bulk_update.
    Returns (created, updated, owner ids touched, whether any stage change was recorded)."""
    index = {e: i for i, e in enumerate(ext)}
    values = list(zip(*(columns[f] for f in DEAL_FIELDS), strict=True))
    # One read of the tenant's deals and splits, as tuples in DEAL_FIELDS order: an unchanged deal
    # is one tuple comparison (field by field with ==, Decimal amounts by value: 1.5 == 1.50).
    existing = {}
    for row in Opportunity.objects.values_list("external_id", "id", *DEAL_FIELDS).iterator(10000):
        if row[0] in index:
            existing[row[0]] = row
    old_splits: dict[int, list] = {}
    if existing:
        for opp_id, seller_id, pct in OpportunitySplit.objects.values_list("opportunity_id", "seller_id", "pct").iterator(10000):
            old_splits.setdefault(opp_id, []).append((seller_id, pct))
    new = [i for i, e in enumerate(ext) if e not in existing]
    bulk_insert(Opportunity, ["external_id", *DEAL_FIELDS], ([ext[i], *values[i]] for i in new), tenant_id=tenant_id)
    ids = {e: row[1] for e, row in existing.items()}
    if new:
        fresh = {ext[i] for i in new}
        ids.update((e, pk) for e, pk in Opportunity.objects.values_list("external_id", "id").iterator(10000) if e in fresh)
    now = timezone.now()
    at = {f: k for k, f in enumerate(DEAL_FIELDS)}
    stage_rows, split_rows, changed_rows, resplit, owners = [], [], [], [], set()
    updated = 0
    for i, e in enumerate(ext):
        pk, v, old, new_splits = ids[e], values[i], existing.get(e), splits.get(i, [])
        if old is None:
            stage_rows.append((pk, "", v[at["stage"]], now))
            split_rows.extend((pk, s, p) for s, p in new_splits)
            owners.add(v[at["owner_id"]])
            if v[at["is_won"]]:
                affected.add([v[at["owner_id"]], *(s for s, _ in new_splits)], [month_key(v[at["close_date"]])])
            continue
        before, before_splits = old[2:], sorted(old_splits.get(pk, ()))
        fields_changed, splits_changed = before != v, before_splits != new_splits
        if not fields_changed and not splits_changed:
            continue
        updated += 1
        owners.update((before[at["owner_id"]], v[at["owner_id"]]))
        if before[at["stage"]] != v[at["stage"]]:
            stage_rows.append((pk, before[at["stage"]], v[at["stage"]], now))
        if fields_changed:
            changed_rows.append((pk, *v))
        if splits_changed:
            resplit.append(pk)
            split_rows.extend((pk, s, p) for s, p in new_splits)
        if before[at["is_won"]] or v[at["is_won"]]:
            months = [month_key(d) for d in (before[at["close_date"]], v[at["close_date"]]) if d]
            affected.add([before[at["owner_id"]], v[at["owner_id"]], *(s for s, _ in before_splits),
                          *(s for s, _ in new_splits)], months)
    bulk_update(Opportunity, DEAL_FIELDS, changed_rows)
    for k in range(0, len(resplit), 10000):
        OpportunitySplit.objects.filter(opportunity_id__in=resplit[k:k + 10000]).delete()
    bulk_insert(OpportunitySplit, ["opportunity_id", "seller_id", "pct"], split_rows, tenant_id=tenant_id)
    bulk_insert(StageChange, ["opportunity_id", "from_stage", "to_stage", "changed_at"], stage_rows, tenant_id=tenant_id)
    return len(new), updated, owners, bool(stage_rows)


_DEAL_STAGE_SQL = """CREATE TEMP TABLE _scn_deal (ord integer, external_id text, name text, owner_id bigint,
    account_id bigint, amount numeric, currency text, stage text, is_closed boolean, is_won boolean,
    forecast_category text, deal_type text, created_date date, close_date date) ON COMMIT DROP"""
_SPLIT_STAGE_SQL = "CREATE TEMP TABLE _scn_split (external_id text, seller_id bigint, pct numeric) ON COMMIT DROP"
# Each new or changed file deal with its stored row (if any), and whether its fields or its splits
# differ: row and array comparisons are by value (numeric 1.5 = 1.50) and NULL-safe, like the Python
# tuple compare. Unchanged deals are left out (a reload keeps only what it writes).
_DEAL_MATCH_SQL = """CREATE TEMP TABLE _scn_match ON COMMIT DROP AS SELECT * FROM (
SELECT s.*, o.id AS opp_id, o.owner_id AS old_owner, o.stage AS old_stage, o.is_won AS old_won,
       o.close_date AS old_close,
       o.id IS NOT NULL AND ({old}) IS DISTINCT FROM ({new}) AS fields_changed,
       o.id IS NOT NULL AND (os.sellers, os.pcts) IS DISTINCT FROM (ns.sellers, ns.pcts) AS splits_changed,
       os.sellers AS old_split_sellers, ns.sellers AS split_sellers
FROM _scn_deal s
LEFT JOIN performance_opportunity o ON o.tenant_id = %(t)s AND o.external_id = s.external_id
LEFT JOIN (SELECT opportunity_id, array_agg(seller_id ORDER BY seller_id) AS sellers,
                  array_agg(pct ORDER BY seller_id) AS pcts
           FROM performance_opportunitysplit WHERE tenant_id = %(t)s GROUP BY opportunity_id) os
       ON os.opportunity_id = o.id
LEFT JOIN (SELECT external_id, array_agg(seller_id ORDER BY seller_id) AS sellers, array_agg(pct ORDER BY seller_id) AS pcts
           FROM _scn_split GROUP BY external_id) ns ON ns.external_id = s.external_id
) AS matched WHERE opp_id IS NULL OR fields_changed OR splits_changed"""
# The (month, seller) pairs whose calculation inputs change: a new won deal's owner and split sellers
# in its close month; a changed deal that is or was won: old and new owner and split sellers, in the
# old and the new close month (one scan of the match, the old split sellers kept in it).
_AFFECTED_SQL = """SELECT DISTINCT to_char(m.day, 'YYYY-MM'), w.seller_id FROM _scn_match c
CROSS JOIN LATERAL unnest(ARRAY[c.owner_id, c.old_owner] || c.split_sellers || c.old_split_sellers) AS w(seller_id)
CROSS JOIN LATERAL unnest(ARRAY[c.close_date, c.old_close]) AS m(day)
WHERE ((c.opp_id IS NULL AND c.is_won) OR ((c.fields_changed OR c.splits_changed) AND (c.is_won OR c.old_won)))
  AND w.seller_id IS NOT NULL AND m.day IS NOT NULL"""


def _write_deals_sql(tenant_id: int, ext: list[str], columns: dict[str, list], splits: dict[int, list],
                     affected: Affected) -> tuple[int, int, set[int], bool]:
    """PostgreSQL: COPY the file's deals and splits into staging tables, compare them with the stored
    ones in one join and write the differences with one statement each (RLS applies to every one).
    Returns (created, updated, owner ids touched, whether any stage change was recorded)."""
    params = {"t": tenant_id, "now": timezone.now()}
    cols = ", ".join(DEAL_FIELDS)
    split_rows = [(ext[i], s, p) for i, rows in splits.items() for s, p in rows]
    with connection.cursor() as cursor:
        # The match, the sorts and the distincts handle a row per deal: in memory, not in temp files
        # (4 MB by default). The staging tables are analysed for their row counts and key spread, which
        # a small sample gives (the default samples 30,000 rows: 0.4-0.7 s a load). SET LOCAL ends with
        # the load's transaction.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL default_statistics_target = 10")
        cursor.execute("DROP TABLE IF EXISTS _scn_deal, _scn_split, _scn_match, _scn_new")
        cursor.execute(_DEAL_STAGE_SQL)
        copy_columns(cursor, "_scn_deal", ["ord", "external_id", *DEAL_FIELDS],
                     [list(range(len(ext))), ext, *(columns[f] for f in DEAL_FIELDS)])
        cursor.execute(_SPLIT_STAGE_SQL)
        copy_columns(cursor, "_scn_split", ["external_id", "seller_id", "pct"],
                     [list(c) for c in zip(*split_rows, strict=True)] if split_rows else [[], [], []])
        cursor.execute("ANALYZE _scn_deal")
        cursor.execute("ANALYZE _scn_split")
        cursor.execute(_DEAL_MATCH_SQL.format(old=", ".join(f"o.{f}" for f in DEAL_FIELDS),
                                              new=", ".join(f"s.{f}" for f in DEAL_FIELDS)), params)
        cursor.execute("SELECT count(*) FILTER (WHERE opp_id IS NULL), count(opp_id) FROM _scn_match")
        created, updated = cursor.fetchone()
        if not created and not updated:
            return 0, 0, set(), False
        cursor.execute(_AFFECTED_SQL, params)
        by_month: dict[str, list[int]] = {}
        for month, seller_id in cursor.fetchall():
            by_month.setdefault(month, []).append(seller_id)
        for month, sellers in by_month.items():
            affected.add(sellers, [month])
        cursor.execute("SELECT DISTINCT unnest(ARRAY[owner_id, old_owner]) FROM _scn_match "
                       "WHERE opp_id IS NULL OR fields_changed OR splits_changed")
        owners = {row[0] for row in cursor.fetchall()} - {None}
        cursor.execute(f"UPDATE performance_opportunity AS o SET ({cols}) = ({', '.join(f'm.{f}' for f in DEAL_FIELDS)}) "
                       "FROM _scn_match m WHERE m.fields_changed AND o.id = m.opp_id AND o.tenant_id = %(t)s", params)
        cursor.execute("INSERT INTO performance_stagechange (tenant_id, opportunity_id, from_stage, to_stage, changed_at) "
                       "SELECT %(t)s, opp_id, old_stage, stage, %(now)s FROM _scn_match "
                       "WHERE opp_id IS NOT NULL AND old_stage <> stage ORDER BY ord", params)
        moved = cursor.rowcount > 0
        cursor.execute("DELETE FROM performance_opportunitysplit AS sp USING _scn_match m "
                       "WHERE m.splits_changed AND sp.opportunity_id = m.opp_id AND sp.tenant_id = %(t)s", params)
        # New deals in file order (their ids follow it), each with its first StageChange.
        const_cols, const_values = constant_columns(Opportunity, ["external_id", *DEAL_FIELDS])
        const_sql = "".join(f", %(c{k})s::{Opportunity._meta.get_field(_field_name(Opportunity, c)).db_type(connection)}"
                            for k, c in enumerate(const_cols))
        params.update({f"c{k}": v for k, v in enumerate(const_values)})
        cursor.execute("CREATE TEMP TABLE _scn_new (external_id text, opp_id bigint) ON COMMIT DROP")
        cursor.execute(
            f"WITH ins AS (INSERT INTO performance_opportunity (tenant_id, external_id, {cols}"
            f"{''.join(', ' + c for c in const_cols)}) "
            f"SELECT %(t)s, external_id, {cols}{const_sql} FROM _scn_match WHERE opp_id IS NULL ORDER BY ord "
            "RETURNING id, external_id, stage), "
            "moves AS (INSERT INTO performance_stagechange (tenant_id, opportunity_id, from_stage, to_stage, changed_at) "
            "SELECT %(t)s, id, '', stage, %(now)s FROM ins ORDER BY id) "
            "INSERT INTO _scn_new SELECT external_id, id FROM ins", params)
        cursor.execute("ANALYZE _scn_new")  # the split insert joins it: a hash join, not a guess
        moved = moved or created > 0
        cursor.execute("INSERT INTO performance_opportunitysplit (tenant_id, opportunity_id, seller_id, pct) "
                       "SELECT %(t)s, COALESCE(m.opp_id, n.opp_id), sp.seller_id, sp.pct FROM _scn_split sp "
                       "JOIN _scn_match m USING (external_id) LEFT JOIN _scn_new n USING (external_id) "
                       "WHERE m.opp_id IS NULL OR m.splits_changed ORDER BY m.ord, sp.seller_id", params)
        cursor.execute("DROP TABLE _scn_deal, _scn_split, _scn_match, _scn_new")
    return created, updated, owners, moved


def _field_name(model, column: str) -> str:
    return next(f.name for f in model._meta.concrete_fields if f.column == column)
