"""Set-based write stage of `load_scenario` for the big kinds: sellers, quotas, deals (+ splits).

Per kind: read the existing rows by external id in one query, compute created/updated/unchanged in
memory (Decimal-exact comparisons), insert new rows with `spm.db.bulk.bulk_insert` (COPY on
PostgreSQL) and changed rows with `bulk_update` in batches; record a StageChange for every new deal
and every deal whose stage changed. The caller writes ONE audit record with the counts and ONE
change-feed call (`seller_inputs_changed`) for the affected sellers/months.

Everything runs in the caller's transaction inside `tenant_atomic`; any DomainError aborts it all.
"""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone

from performance.models import STAGE_NAME_MAX, Opportunity, OpportunitySplit, PipelineStage, StageChange, stage_flags
from performance.pipeline.summaries import pipeline_summaries_refresh
from planning.models import Quota, Seller
from spm.db.bulk import bulk_insert
from spm.errors import DomainError
from spm.fiscal import month_key, months_in_period
from spm.tenancy.context import current_tenant

UPDATE_BATCH = 2000


class Affected:
    """Sellers and months whose calculation inputs this load changed (for the change feed)."""

    def __init__(self) -> None:
        self.sellers: set[int] = set()
        self.months: set[str] = set()

    def add(self, sellers, months) -> None:
        self.sellers.update(s for s in sellers if s)
        self.months.update(m for m in months if m)


def _dec_equal(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return Decimal(str(a)) == Decimal(str(b))


def _too_long(value: str, limit: int, where: str, field: str) -> None:
    """The check `full_clean` made per row, with its message ("name: Ensure this value has at most …")."""
    if value is not None and len(value) > limit:
        raise ValidationError({field: [f"{where}: Ensure this value has at most {limit} characters "
                                       f"(it has {len(value)})."]})


def _check_decimal(model, name: str, value, where: str) -> None:
    """A cheap digits test per row; only a value that fails it runs the field's validators (full_clean's messages)."""
    if value is None:
        return
    field = model._meta.get_field(name)
    exponent = value.as_tuple().exponent
    if (isinstance(exponent, int) and exponent < -field.decimal_places) or \
            abs(value) >= Decimal(10) ** (field.max_digits - field.decimal_places):
        try:
            field.run_validators(value)
        except ValidationError as exc:
            raise ValidationError({name: [f"{where}: {m}" for m in exc.messages]}) from None


def _bulk_update(model, objs: list, fields: list[str]) -> None:
    """Write `fields` of `objs` (instances with pk set). PostgreSQL: one ``UPDATE … FROM (VALUES …)`` per
    batch (Django's bulk_update builds a CASE per column, quadratic in the batch); elsewhere bulk_update."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields, batch_size=UPDATE_BATCH)
        return
    qn = connection.ops.quote_name
    model_fields = [model._meta.get_field(f) for f in fields]
    casts = [f.db_type(connection) for f in model_fields]
    sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in model_fields)
    cols = ", ".join(["id", *(qn(f.column) for f in model_fields)])
    row_sql = "(" + ", ".join(["%s::bigint", *(f"%s::{c}" for c in casts)]) + ")"
    with connection.cursor() as cursor:
        for i in range(0, len(objs), UPDATE_BATCH):
            batch = objs[i:i + UPDATE_BATCH]
            params = []
            for obj in batch:
                params.append(obj.pk)
                params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in model_fields)
            cursor.execute(f"UPDATE {qn(model._meta.db_table)} AS t SET {sets} FROM (VALUES "
                           + ", ".join([row_sql] * len(batch)) + f") AS v({cols}) WHERE t.id = v.id", params)


# --- sellers -------------------------------------------------------------------------------------

SELLER_FIELDS = ["name", "role_type", "email", "hire_date", "end_date", "segment", "region", "title"]


def load_sellers(rows: list[dict], counts) -> dict[str, int]:
    """Upsert sellers by external id; returns external id → pk for every seller of the tenant."""
    existing = {r["external_id"]: r for r in Seller.objects.values("id", "external_id", "manager_id", *SELLER_FIELDS)}
    tenant_id = current_tenant().pk
    for r in rows:
        _too_long(r["external_id"], 64, f"seller {r['external_id'][:64]!r}", "external_id")
        _too_long(r["name"], 200, f"seller {r['external_id']!r}", "name")
        for f, limit in (("email", 254), ("title", 100), ("segment", 50), ("region", 50)):
            _too_long(r[f], limit, f"seller {r['external_id']!r}", f)
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
                changed.append(Seller(pk=pk, manager_id=target[pk], **{f: r[f] for f in SELLER_FIELDS}))
            continue
        e = existing[r["external_id"]]
        if e["manager_id"] == target[pk] and all(e[f] == r[f] for f in SELLER_FIELDS):
            counts["unchanged"] += 1
            continue
        counts["updated"] += 1
        changed.append(Seller(pk=pk, manager_id=target[pk], **{f: r[f] for f in SELLER_FIELDS}))
    _bulk_update(Seller, changed, ["manager", *SELLER_FIELDS])
    return ids


# --- quotas --------------------------------------------------------------------------------------


def load_quotas(rows: list[dict], seller_ids: dict[str, int], counts, affected: Affected, fy_start: int) -> None:
    existing = {(q["seller_id"], q["measure"], q["period"]): q
                for q in Quota.objects.values("id", "seller_id", "measure", "period", "amount", "source")}
    last: dict[tuple, dict] = {}
    for r in rows:  # the last record of a (seller, measure, period) wins, like repeated quota_set calls
        _too_long(r["measure"], 40, f"quota of {r['seller']!r}", "measure")
        _check_decimal(Quota, "amount", r["amount"], f"quota of {r['seller']!r} {r['period']}")
        last[(seller_ids[r["seller"]], r["measure"], r["period"])] = r
    new, changed = [], []
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
        affected.add([key[0]], months_in_period(r["period"], fy_start))
        if e is None:
            new.append((key[0], key[1], key[2], r["amount"], r["source"]))
        else:
            changed.append(Quota(pk=e["id"], amount=r["amount"], source=r["source"]))
    bulk_insert(Quota, ["seller_id", "measure", "period", "amount", "source"], new, tenant_id=current_tenant().pk)
    _bulk_update(Quota, changed, ["amount", "source"])


# --- deals ---------------------------------------------------------------------------------------

DEAL_FIELDS = ["name", "owner_id", "account_id", "amount", "currency", "stage", "is_closed", "is_won",
               "forecast_category", "deal_type", "created_date", "close_date"]


def _category_for(is_closed: bool, is_won: bool) -> str:
    if is_closed:
        return Opportunity.ForecastCategory.CLOSED if is_won else Opportunity.ForecastCategory.OMITTED
    return Opportunity.ForecastCategory.PIPELINE


def _splits(raw, seller_ids: dict[str, int]) -> list[tuple[int, Decimal]]:
    out: dict[int, Decimal] = {}
    for seller, pct in raw:
        if pct > 100:
            raise DomainError(f"splits: pct {pct} of seller {seller!r} must be in (0, 100]", field="splits")
        pk = seller_ids[seller]
        out[pk] = out.get(pk, Decimal(0)) + pct
    return sorted(out.items())


def load_deals(rows: list[dict], seller_ids: dict[str, int], account_ids: dict[str, int], counts,
               affected: Affected) -> dict[str, int]:
    """Upsert deals and their splits by external id; returns external id → pk of the loaded deals."""
    tenant = current_tenant()
    flags = {n: (c, w) for n, c, w in PipelineStage.objects.values_list("name", "is_closed", "is_won")}
    amount_field = Opportunity._meta.get_field("amount")
    places, too_big = -amount_field.decimal_places, Decimal(10) ** (amount_field.max_digits - amount_field.decimal_places)
    base_currency = tenant.base_currency
    values: dict[str, dict] = {}
    splits: dict[str, list[tuple[int, Decimal]]] = {}
    for r in rows:
        ext, name, stage, amount = r["external_id"], r["name"] or "", r["stage"], r["amount"]
        where = f"deal {ext!r}"
        # The checks full_clean made, cheap first; the helpers word the error of a row that fails one.
        if len(ext) > 64 or len(name) > 200 or len(stage) > STAGE_NAME_MAX:
            _too_long(ext, 64, where, "external_id")
            _too_long(name, 200, where, "name")
            _too_long(stage, STAGE_NAME_MAX, where, "stage")
        exponent = amount.as_tuple().exponent
        if (isinstance(exponent, int) and exponent < places) or abs(amount) >= too_big:
            _check_decimal(Opportunity, "amount", amount, where)
        state = flags.get(stage)
        if state is None:
            state = flags[stage] = stage_flags(stage)
        is_closed, is_won = bool(state[0]), bool(state[1])
        if is_won and r["close_date"] is None:
            raise DomainError(f"deal {ext!r}: close_date: required for a closed-won deal", field="close_date")
        values[ext] = {
            "name": name, "owner_id": seller_ids[r["owner"]],
            "account_id": account_ids[r["account"]] if r["account"] else None,
            "amount": amount, "currency": (r["currency"] or base_currency).upper(), "stage": stage,
            "is_closed": is_closed, "is_won": is_won,
            "forecast_category": r["forecast_category"] or _category_for(is_closed, is_won),
            "deal_type": r["deal_type"], "created_date": r["created_date"], "close_date": r["close_date"],
        }
        splits[ext] = _splits(r["splits"], seller_ids) if r["splits"] else []
    # One read of the tenant's deals and splits (cheaper than an IN list of every external id), as
    # tuples in DEAL_FIELDS order: an unchanged deal is one tuple comparison.
    deal_tuple = itemgetter(*DEAL_FIELDS)
    existing = {}
    for row in Opportunity.objects.values_list("external_id", "id", *DEAL_FIELDS).iterator(10000):
        if row[0] in values:
            existing[row[0]] = row
    old_splits: dict[int, list] = {}
    if existing:
        for opp_id, seller_id, pct in OpportunitySplit.objects.values_list("opportunity_id", "seller_id", "pct").iterator(10000):
            old_splits.setdefault(opp_id, []).append((seller_id, pct))
    new_ext = [ext for ext in values if ext not in existing]
    bulk_insert(Opportunity, ["external_id", *DEAL_FIELDS],
                ([ext, *(values[ext][f] for f in DEAL_FIELDS)] for ext in new_ext), tenant_id=tenant.pk)
    ids = {ext: e[1] for ext, e in existing.items()}
    if new_ext:
        fresh = set(new_ext)
        ids.update((e, pk) for e, pk in Opportunity.objects.values_list("external_id", "id").iterator(10000) if e in fresh)
    now = timezone.now()
    stage_rows: list[tuple] = []
    split_rows: list[tuple] = []
    changed_objs: list[Opportunity] = []
    resplit: list[int] = []
    for ext, v in values.items():
        pk, e = ids[ext], existing.get(ext)
        if e is None:
            counts["created"] += 1
            stage_rows.append((pk, "", v["stage"], now))
            split_rows.extend((pk, s, p) for s, p in splits[ext])
            if v["is_won"]:
                affected.add([v["owner_id"], *(s for s, _ in splits[ext])], [month_key(v["close_date"])])
            continue
        # Tuple equality compares field by field with ==, Decimal amounts by value (1.5 == 1.50).
        fields_changed = e[2:] != deal_tuple(v)
        before_splits = sorted(old_splits.get(pk, ()))
        splits_changed = before_splits != splits[ext]
        if not fields_changed and not splits_changed:
            counts["unchanged"] += 1
            continue
        counts["updated"] += 1
        e = dict(zip(DEAL_FIELDS, e[2:], strict=True))
        if e["stage"] != v["stage"]:
            stage_rows.append((pk, e["stage"], v["stage"], now))
        if fields_changed:
            changed_objs.append(Opportunity(pk=pk, **v))
        if splits_changed:
            resplit.append(pk)
            split_rows.extend((pk, s, p) for s, p in splits[ext])
        if e["is_won"] or v["is_won"]:
            months = [month_key(d) for d in (e["close_date"], v["close_date"]) if d]
            affected.add([e["owner_id"], v["owner_id"], *(s for s, _ in before_splits), *(s for s, _ in splits[ext])],
                         months)
    _bulk_update(Opportunity, changed_objs, [f.removesuffix("_id") for f in DEAL_FIELDS])
    for i in range(0, len(resplit), 10000):
        OpportunitySplit.objects.filter(opportunity_id__in=resplit[i:i + 10000]).delete()
    bulk_insert(OpportunitySplit, ["opportunity_id", "seller_id", "pct"], split_rows, tenant_id=tenant.pk)
    bulk_insert(StageChange, ["opportunity_id", "from_stage", "to_stage", "changed_at"], stage_rows, tenant_id=tenant.pk)
    owner_at = 2 + DEAL_FIELDS.index("owner_id")  # existing rows are (external id, id, *DEAL_FIELDS)
    pipeline_summaries_refresh(owner_ids={v["owner_id"] for v in values.values()} | {e[owner_at] for e in existing.values()},
                               norms=bool(stage_rows))
    return ids
