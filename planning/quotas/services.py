"""Writes of quota planning: create a quota set from a published scenario, publish it, import CSV.

Publishing writes `planning.Quota` (what Pay reads; its contract does not change): month keys from
the set's effective month to the end of the plan year, and the fiscal quarter and year keys
recomputed as sums of the months, so a plan with quarterly or annual quota periods reads the same
numbers. Months before the effective month keep the previous version's quotas (mid-year changes
are effective-dated).
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from planning.capacity import engine as capacity_engine
from planning.capacity.models import CapacityScenario
from planning.capacity.selectors import scenario_input
from planning.models import Quota, Seller
from planning.quotas import engine
from planning.quotas.models import QuotaAllocation, QuotaSet
from planning.quotas.selectors import spread_coarse_quotas, year_months
from planning.services import seller_months_changed
from spm.audit import audit_record, audit_record_many, snapshot
from spm.errors import ConflictError, DomainError
from spm.fiscal import MONTH_KEY_PATTERN, PERIOD_KEY_PATTERN, months_in_period, quota_period_key
from spm.imports import CellError, ImportReport, RowError
from spm.imports.table import parse_decimal
from spm.tenancy.context import current_tenant


def _members(scenario: CapacityScenario):
    """Allocation members: every roster head (seller or hypothetical) and one row per planned-hire line."""
    inp = scenario_input(scenario)
    roster = list(scenario.roster.select_related("seller"))
    by_id = {m.id: m for m in inp.roster}
    members, meta = [], {}
    cache: dict[tuple, tuple] = {}  # sellers of one segment hired in one month ramp alike
    segs = {s.name: s for s in inp.segments}
    for m in roster:
        seg = segs[m.segment]
        shape = (m.segment, m.hire_date and m.hire_date.replace(day=1), m.end_date and m.end_date.replace(day=1))
        caps = cache.get(shape)
        if caps is None:
            caps = cache[shape] = tuple(capacity_engine.member_monthly_capacity(inp, by_id[str(m.pk)]))
        key = ("roster", m.pk)
        members.append(engine.Member(key, caps, seg.productivity / 12))
        meta[key] = (m.seller, m.name if m.seller_id else f"{m.name} (hypothetical)")
    for i, h in enumerate(inp.hires):
        if not h.count:
            continue
        seg = inp.segment(h.segment)
        one = capacity_engine.member_monthly_capacity(inp, h)
        key = ("hire", i)
        members.append(engine.Member(key, tuple(c * h.count for c in one), seg.productivity / 12, heads=h.count))
        meta[key] = (None, f"TBH {h.segment} from {h.start[0]:04d}-{h.start[1]:02d} ×{h.count}")
    return inp, members, meta


def _potentials_default(as_of: date) -> Mapping[int, Decimal]:
    """Territory potential per seller on `as_of`, from the territory feature's selector
    (`planning.territories.selectors.potential_by_seller`, the accounts each seller owns)."""
    from planning.territories.selectors import potential_by_seller

    potentials = potential_by_seller(as_of=as_of)
    if not any(potentials.values()):
        raise DomainError(f"method: no published territory plan gives any seller potential on {as_of}; publish "
                          "territories or choose another method", field="method")
    return potentials


def quota_set_create(
    *,
    scenario: CapacityScenario,
    actor,
    method: str = "capacity",
    blend_weight=0,
    seasonality: list | None = None,
    effective_from: str | None = None,
    measure: str = "bookings",
    potentials: Mapping[int, Decimal] | None = None,
    attainment: Mapping[int, Decimal] | None = None,
) -> QuotaSet:
    """Allocate a published scenario's quota to assign into a new draft quota set (next version).

    `potentials` / `attainment` are {seller id: value}; attainment comes from Pay and is composed
    by `spm.hub.quota_planning`. Errors: ConflictError unless the scenario is published;
    DomainError naming `method`, `seasonality`, `effective_from` or `blend_weight`. Audited.
    """
    if scenario.status != CapacityScenario.Status.PUBLISHED:
        raise ConflictError("scenario: quotas come from a published capacity scenario", field="scenario")
    if method not in QuotaSet.Method.values:
        raise DomainError(f"method: {method!r} is not one of {', '.join(QuotaSet.Method.values)}", field="method")
    months = year_months(scenario.year)
    effective_from = effective_from or months[0]
    if not isinstance(effective_from, str) or not re.match(MONTH_KEY_PATTERN, effective_from) or effective_from not in months:
        raise DomainError(f"effective_from: {effective_from!r} is not a month of plan year {scenario.year}",
                          field="effective_from")
    try:
        blend = Decimal(str(blend_weight))
    except (InvalidOperation, ValueError):
        raise DomainError(f"blend_weight: {blend_weight!r} is not a number", field="blend_weight") from None
    try:
        engine.seasonality_weights(seasonality)
    except (InvalidOperation, ValueError) as exc:
        message = str(exc)  # the engine's messages already start with the word
        raise DomainError(message if message.startswith("seasonality") else f"seasonality: {message}",
                          field="seasonality") from None
    if not blend.is_finite() or not 0 <= blend <= 1:
        raise DomainError("blend_weight: must be between 0 and 1", field="blend_weight")
    inp, members, meta = _members(scenario)
    if not members:
        raise DomainError("scenario: the roster is empty", field="scenario")
    if method == "potential" and potentials is None:
        potentials = _potentials_default(date(int(effective_from[:4]), int(effective_from[5:]), 1))
    by_key_potential = {k: (potentials or {}).get(meta[k][0].pk if meta[k][0] else None, 0) for k in meta}
    by_key_attainment = {k: attainment.get(meta[k][0].pk) for k in meta if meta[k][0] and attainment} if attainment else None
    total = capacity_engine.money(inp.target * (1 + inp.over_assignment))
    allocations = engine.allocate(
        total=total, members=members, method=method, blend_weight=blend, potentials=by_key_potential,
        attainment=by_key_attainment, seasonality=seasonality, over_assignment=scenario.over_assignment,
    )
    with transaction.atomic():
        version = (QuotaSet.objects.filter(scenario=scenario).aggregate(v=Max("version"))["v"] or 0) + 1
        qset = QuotaSet.objects.create(
            scenario=scenario, version=version, measure=measure, method=method, blend_weight=blend,
            seasonality=[str(v) for v in (seasonality or [])], effective_from=effective_from, total=total,
        )
        QuotaAllocation.objects.bulk_create([
            QuotaAllocation(
                tenant=qset.tenant, quota_set=qset, seller=meta[a.key][0], label=meta[a.key][1][:200],
                amount=a.amount, months=[str(v) for v in a.months], capacity=capacity_engine.money(a.capacity),
                source=a.source, above_capacity=a.above_capacity,
            )
            for a in allocations
        ], batch_size=1000)
        audit_record(actor=actor, action="quota_set.create", instance=qset,
                     after={**snapshot(qset), "allocations": len(allocations),
                            "above_capacity": sum(a.above_capacity for a in allocations)})
    return qset


def _rewrite_coarse_keys(seller_ids, measure: str, year: int, keep: set | None = None, audit: list | None = None) -> None:
    """Fiscal quarter and year keys = the sums of their months (so every reader agrees); `keep`
    lists (seller id, period) keys not to touch (set explicitly by the same import)."""
    fy = current_tenant().fiscal_year_start_month
    months = year_months(year)
    sums: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for seller_id, period, amount in Quota.objects.filter(
        seller_id__in=seller_ids, measure=measure, period__in=months
    ).values_list("seller_id", "period", "amount"):
        d = date(int(period[:4]), int(period[5:]), 1)
        sums[(seller_id, quota_period_key(d, "quarter", fy))] += amount
        sums[(seller_id, f"{year:04d}")] += amount
    _upsert_quotas({k: (v, None) for k, v in sums.items() if not keep or k not in keep}, measure, audit)


def _upsert_quotas(values: Mapping[tuple[int, str], tuple[Decimal, str | None]], measure: str,
                   audit: list | None = None) -> tuple[int, int]:
    """Bulk upsert of (seller id, period) → (amount, source or None to keep). Returns (created, updated).
    `audit`: a list that receives (quota, before, after) of every row created or changed."""
    if not values:
        return 0, 0
    seller_ids = {s for s, _ in values}
    periods = {p for _, p in values}
    existing = {(q.seller_id, q.period): q for q in Quota.objects.filter(
        seller_id__in=seller_ids, measure=measure, period__in=periods)}
    create, update = [], []
    tenant = current_tenant()
    for (seller_id, period), (amount, source) in values.items():
        q = existing.get((seller_id, period))
        if q is None:
            create.append(Quota(tenant=tenant, seller_id=seller_id, measure=measure, period=period, amount=amount,
                                source=source or Quota.Source.CAPACITY))
        elif q.amount != amount or (source and q.source != source):
            before = {"amount": q.amount, "source": q.source}
            q.amount = amount
            q.source = source or q.source
            update.append(q)
            if audit is not None:
                audit.append((q, before, {"amount": q.amount, "source": q.source}))
    Quota.objects.bulk_create(create, batch_size=1000)
    Quota.objects.bulk_update(update, ["amount", "source"], batch_size=1000)
    if audit is not None:
        audit.extend((q, None, snapshot(q)) for q in create)
    _quotas_changed([*create, *update], measure)
    return len(create), len(update)


def _quotas_changed(quotas: list[Quota], measure: str) -> None:
    """Tell the change feed which sellers' months these quota writes move (what `quota_set` does for one),
    so an import, a published quota set, relief or the managers' roll-up recalculates Pay on commit."""
    fy = current_tenant().fiscal_year_start_month
    by_month: dict[str, set[int]] = defaultdict(set)
    for q in quotas:
        for month in months_in_period(q.period, fy):
            by_month[month].add(q.seller_id)
    if by_month:
        seller_months_changed(sellers_by_month=by_month, reason=f"quota {measure} changed"[:200])


def quota_set_publish(*, quota_set: QuotaSet, actor, override_reason: str = "") -> QuotaSet:
    """Publish a draft set: write its sellers' Quota rows from `effective_from`, supersede the year's
    previously published set.

    Allocations above reachable capacity need an explicit `override_reason` (DomainError
    code="override_required", field="override_reason"); the reason is stored and audited
    (quota_set.override). Open headcount (hypothetical sellers, planned hires) has no seller and
    writes no Quota row. ConflictError unless draft. One audit event with counts for the rows.
    """
    with transaction.atomic():
        qset = QuotaSet.objects.select_for_update().select_related("scenario").get(pk=quota_set.pk)
        if qset.status != QuotaSet.Status.DRAFT:
            raise ConflictError(f"quota set v{qset.version} is {qset.status}", field="status")
        flagged = list(qset.allocations.filter(above_capacity=True).values_list("label", "amount", "capacity"))
        reason = (override_reason or "").strip()
        if flagged and not reason:
            raise DomainError(
                f"override_reason: {len(flagged)} quota(s) above reachable capacity "
                f"({', '.join(label for label, _, _ in flagged[:5])}{'…' if len(flagged) > 5 else ''}); "
                "give a reason to publish anyway", field="override_reason", code="override_required",
            )
        months = year_months(qset.scenario.year)
        written = months[months.index(qset.effective_from):]
        values: dict[tuple[int, str], tuple[Decimal, str]] = {}
        sellers = []
        for alloc in qset.allocations.exclude(seller=None):
            sellers.append(alloc.seller_id)
            for key, amount in zip(months, alloc.months, strict=True):
                if key in written:
                    values[(alloc.seller_id, key)] = (Decimal(amount), alloc.source)
        created, updated = _upsert_quotas(values, qset.measure)
        _rewrite_coarse_keys(sellers, qset.measure, qset.scenario.year)
        superseded = list(QuotaSet.objects.filter(
            scenario__year=qset.scenario.year, measure=qset.measure, status=QuotaSet.Status.PUBLISHED
        ).exclude(pk=qset.pk).values_list("pk", flat=True))
        QuotaSet.objects.filter(pk__in=superseded).update(status=QuotaSet.Status.SUPERSEDED)
        before = snapshot(qset)
        qset.status = QuotaSet.Status.PUBLISHED
        qset.published_at = timezone.now()
        qset.published_by = actor if getattr(actor, "pk", None) else None
        qset.override_reason = reason if flagged else ""
        qset.save()
        audit_record(actor=actor, action="quota_set.publish", instance=qset, before=before, after={
            **snapshot(qset), "quota_rows_created": created, "quota_rows_updated": updated,
            "months": written, "superseded": superseded})
        if flagged:
            audit_record(actor=actor, action="quota_set.override", instance=qset, after={
                "reason": reason, "above_capacity": [
                    {"label": label, "amount": amount, "capacity": cap} for label, amount, cap in flagged]})
    return qset


# ----------------------------------------------------------------------------- CSV import / export
CSV_COLUMNS = ["seller", "name", "measure", "period", "amount", "source"]


def quotas_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# The shared money parser: cents rounded half up, no more whole digits than Quota.amount stores
# (a larger number was a quantize error, a 500), the import's plain-number rule.
_parse_amount = parse_decimal(minimum=Decimal(0), what="an amount", whole_digits=(
    Quota._meta.get_field("amount").max_digits - Quota._meta.get_field("amount").decimal_places))

MEASURE_MAX_LENGTH = Quota._meta.get_field("measure").max_length


def quota_csv_import(*, content: bytes | str, actor, visible_ids: set[int] | None = None) -> ImportReport:
    """Import quotas from CSV (`seller` external id, `period`, `amount`, optional `measure`).

    Read → clean (every row checked, errors collected as RowError naming line and column) → load
    (one transaction, one audit event with counts). Any error loads nothing. `visible_ids` limits
    the sellers the importer may touch (None: all). Imported rows get source `manual`; the fiscal
    quarter and year keys of imported months are recomputed as their sums.
    """
    report = ImportReport()
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            report.add_error(RowError(1, str(exc.start + 1), "", "the file is not UTF-8"))
            return report
    reader = csv.DictReader(io.StringIO(content))
    missing = [c for c in ("seller", "period", "amount") if c not in (reader.fieldnames or [])]
    if missing:
        report.add_error(RowError(1, missing[0], "", f"missing column {missing[0]!r}"))
        return report
    sellers = {s.external_id: s.pk for s in Seller.objects.only("id", "external_id")}
    clean: dict[tuple[str, int, str], Decimal] = {}
    for line, row in enumerate(reader, start=2):
        report.rows += 1
        ext = (row.get("seller") or "").strip()
        seller_id = sellers.get(ext)
        if seller_id is None or (visible_ids is not None and seller_id not in visible_ids):
            report.add_error(RowError(line, "seller", ext, "no such seller"))
            continue
        period = (row.get("period") or "").strip()
        if not re.match(PERIOD_KEY_PATTERN, period):
            report.add_error(RowError(line, "period", period, "expected 2027-03, 2027-Q1 or 2027"))
            continue
        raw = (row.get("amount") or "").strip()
        try:
            amount = _parse_amount(raw)
        except CellError as exc:
            report.add_error(RowError(line, "amount", raw, str(exc)))
            continue
        measure = (row.get("measure") or "bookings").strip() or "bookings"
        if len(measure) > MEASURE_MAX_LENGTH:
            report.add_error(RowError(line, "measure", measure, f"longer than {MEASURE_MAX_LENGTH} characters"))
            continue
        key = (measure, seller_id, period)
        if key in clean:
            report.add_error(RowError(line, "period", period, "duplicate seller, measure and period"))
            continue
        clean[key] = amount.quantize(Decimal("0.01"))  # as stored (the parser keeps "1500" as 1500): the audit shows 1500.00
    if not report.ok:
        return report
    audit: list = []  # every quota row written, file rows and the quarter/year sums they move
    with transaction.atomic():
        by_measure: dict[str, dict] = defaultdict(dict)
        for (measure, seller_id, period), amount in clean.items():
            by_measure[measure][(seller_id, period)] = (amount, Quota.Source.MANUAL)
        fy = current_tenant().fiscal_year_start_month
        for measure, values in by_measure.items():
            created, updated = _upsert_quotas(values, measure, audit)
            report.created += created
            report.updated += updated
            # Imported months move their fiscal quarter and year keys with them (Pay reads a
            # quarter key before summing months), unless the file set those keys itself.
            touched: dict[int, set[int]] = defaultdict(set)
            for seller_id, period in values:
                if re.match(MONTH_KEY_PATTERN, period):
                    d = date(int(period[:4]), int(period[5:]), 1)
                    touched[int(quota_period_key(d, "year", fy))].add(seller_id)
            for year, seller_ids in touched.items():
                _rewrite_coarse_keys(seller_ids, measure, year, keep=set(values), audit=audit)
        report.unchanged = report.rows - report.created - report.updated
        audit_record(actor=actor, action="quota.import", instance=current_tenant(), after=report.as_dict())
        for action, rows in (("quota.update", [r for r in audit if r[1] is not None]),
                             ("quota.create", [r for r in audit if r[1] is None])):
            audit_record_many(actor=actor, action=action, changes=rows)
    return report


def quota_capacity_members(scenario: CapacityScenario) -> dict[int, Fraction]:
    """Reachable annual capacity per seller id of a scenario's roster (for the grid's check column)."""
    inp, members, meta = _members(scenario)
    return {meta[m.key][0].pk: m.capacity for m in members if meta[m.key][0] is not None}


def quota_rollup_managers(*, year: int, actor, measure: str = "bookings") -> int:
    """Set every manager's month quotas of the fiscal `year` to the sum of the quota carriers below
    them (recursively; a quota carrier is a seller with no reports), then their quarter/year keys. A
    carrier with quarter or year rows only counts as the quota grid shows them (spread over the months).

    For plans whose manager components roll up their team's credits. Idempotent; one audit event
    (quota.rollup) with the number of rows written. Returns the number of managers rolled up.
    """
    from planning.selectors import seller_tree, subtree_ids

    months = year_months(year)
    with transaction.atomic():
        children = seller_tree()
        managers = [m for m in children if m is not None and children[m]]
        carriers = {s for s in Seller.objects.values_list("id", flat=True) if not children.get(s)}
        month_quota: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        coarse: dict[int, dict[str, Decimal]] = defaultdict(dict)
        coarse_keys = [f"{year:04d}", *(f"{year:04d}-Q{i}" for i in range(1, 5))]
        for seller_id, period, amount in Quota.objects.filter(
            seller_id__in=carriers, measure=measure, period__in=months + coarse_keys
        ).values_list("seller_id", "period", "amount"):
            if period in coarse_keys:
                coarse[seller_id][period] = amount
            else:
                month_quota[(seller_id, period)] += amount
        with_months = {s for s, _ in month_quota}
        for seller_id, keyed in coarse.items():  # quarter or year rows only: spread as the grid shows them
            if seller_id not in with_months:
                for period, amount in spread_coarse_quotas(keyed, year=year, months=months, periods=months).items():
                    month_quota[(seller_id, period)] += amount
        values: dict[tuple[int, str], tuple[Decimal, str | None]] = {}
        for manager in managers:
            below = subtree_ids([manager], children) & carriers
            for key in months:
                values[(manager, key)] = (sum((month_quota.get((s, key), Decimal(0)) for s in below), Decimal(0)),
                                          Quota.Source.CAPACITY)
        created, updated = _upsert_quotas(values, measure)
        _rewrite_coarse_keys(managers, measure, year)
        audit_record(actor=actor, action="quota.rollup", instance=current_tenant(),
                     after={"year": year, "managers": len(managers), "created": created, "updated": updated})
    return len(managers)


def quota_relief(
    *, seller: Seller, effective_from: str, share, actor, reason: str, to_seller: Seller | None = None,
    measure: str = "bookings",
) -> dict:
    """Quota relief when accounts move away from `seller` (issue 9, item 2): from the month
    `effective_from` to the end of its fiscal year, `share` (0–1, e.g. the moved accounts' part of
    the seller's potential) of each of the seller's month quotas is taken off — and added to
    `to_seller` when the accounts go to another seller. Cents move exactly (what one loses the other
    gains); the fiscal quarter and year keys follow. Audited as quota.relief with the reason.
    Errors: DomainError naming `effective_from`, `share` or `reason`. Returns the amount moved.
    """
    if not isinstance(effective_from, str) or not re.match(MONTH_KEY_PATTERN, effective_from):
        raise DomainError(f"effective_from: {effective_from!r} is not a month YYYY-MM", field="effective_from")
    try:
        share = Decimal(str(share))
    except InvalidOperation:
        raise DomainError(f"share: {share!r} is not a decimal number", field="share") from None
    if not 0 <= share <= 1:
        raise DomainError("share: must be between 0 and 1", field="share")
    if not (reason or "").strip():
        raise DomainError("reason: say why the quota moves (e.g. the accounts moved)", field="reason")
    fy = current_tenant().fiscal_year_start_month
    start = date(int(effective_from[:4]), int(effective_from[5:]), 1)
    year = int(quota_period_key(start, "year", fy))
    months = [k for k in year_months(year) if k >= effective_from]
    with transaction.atomic():
        rows = {q.period: q for q in Quota.objects.select_for_update().filter(
            seller=seller, measure=measure, period__in=months)}
        moved: dict[str, Decimal] = {}
        values: dict[tuple[int, str], tuple[Decimal, str | None]] = {}
        for key, q in rows.items():
            cut = (q.amount * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            moved[key] = cut
            values[(seller.pk, key)] = (q.amount - cut, Quota.Source.MANUAL)
        if to_seller is not None:
            theirs = dict(Quota.objects.filter(seller=to_seller, measure=measure, period__in=list(moved))
                          .values_list("period", "amount"))
            for key, cut in moved.items():
                values[(to_seller.pk, key)] = (theirs.get(key, Decimal(0)) + cut, Quota.Source.MANUAL)
        _upsert_quotas(values, measure)
        _rewrite_coarse_keys([seller.pk] + ([to_seller.pk] if to_seller else []), measure, year)
        total = sum(moved.values(), Decimal(0))
        audit_record(actor=actor, action="quota.relief", instance=seller, after={
            "reason": reason.strip(), "from": effective_from, "share": share, "amount": total,
            "to_seller": to_seller.pk if to_seller else None, "months": moved})
    return {"amount": total, "months": moved}
