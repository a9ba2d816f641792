"""Reads for pipeline inspection: SQL aggregates in, cell frames out (never one query per deal).

Every function runs with a tenant in scope and composes ``planning.selectors.visible_seller_ids``
(a deal is in the viewer's pipeline when its owner is visible: pipeline is owned, splits are a
Pay concept). The classification done in SQL here mirrors the pure reference functions
(``metrics.deal_cells``, ``inspection.flow_cells_from_deals``), which the tests compare.

Money: each deal's amount is converted to the tenant's base currency with the FX rate
(``spm.models.FxRate``) in force on its close date — on the as-of day for a deal with no close
date — rounded to the cent; a currency with no rate on or before that date counts at face value.
When the tenant has no FX rate at all no conversion is attempted (single-currency tenants pay
nothing for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf, Round

from performance.models import Opportunity, OpportunityHistory, StageChange
from performance.pipeline import inspection, metrics
from planning.selectors import id_set, quota_list, seller_list, visibility_key, visible_seller_ids
from spm.caching import cached_value
from spm.fiscal import months_in_period, parse_period_key, quota_period_key
from spm.models import FxRate, Membership, Tenant
from spm.roles import Role
from spm.tenancy.access import TenantAccess
from spm.tenancy.context import current_tenant

MONEY = DecimalField(max_digits=20, decimal_places=2)
TEAM = Coalesce(NullIf(F("team"), Value("")), F("owner__team"), Value(""), output_field=CharField())
REGION = Coalesce(NullIf(F("region"), Value("")), F("owner__region"), Value(""), output_field=CharField())


@dataclass(frozen=True)
class PipelineFilters:
    """What the viewer narrowed the pipeline to (every field optional)."""

    owner_ids: frozenset[int] | None = None
    team: str = ""
    region: str = ""
    segment: str = ""
    product: str = ""

    def as_query(self) -> dict:
        q = {k: getattr(self, k) for k in ("team", "region", "segment", "product") if getattr(self, k)}
        if self.owner_ids:
            q["owner"] = ",".join(str(i) for i in sorted(self.owner_ids))
        return q


def scoped_deals(*, access: TenantAccess, filters: PipelineFilters | None = None) -> QuerySet[Opportunity]:
    """Deals in the viewer's pipeline."""
    qs = Opportunity.objects.all()
    ids = visible_seller_ids(access)
    if ids is not None:
        qs = qs.filter(owner_id__in=id_set(ids))
    f = filters or PipelineFilters()
    if f.owner_ids:
        qs = qs.filter(owner_id__in=f.owner_ids)
    if f.team:
        qs = qs.alias(_team=TEAM).filter(_team=f.team)
    if f.region:
        qs = qs.alias(_region=REGION).filter(_region=f.region)
    if f.segment:
        qs = qs.filter(owner__segment=f.segment)
    if f.product:
        qs = qs.filter(product=f.product)
    return qs


def base_amount(as_of: date):
    """SQL expression: the deal's amount in the tenant's base currency (see module docstring)."""
    if not FxRate.objects.exists():
        return F("amount")
    on = Coalesce(F("close_date"), Value(as_of, output_field=DateField()))
    rate = Subquery(
        FxRate.objects.filter(currency=OuterRef("currency"), effective_from__lte=OuterRef("_fx_on"))
        .order_by("-effective_from").values("rate_to_base")[:1]
    )
    converted = Round(F("amount") * Coalesce(rate, Value(Decimal(1))), 2, output_field=MONEY)
    # A deal in the base currency is its amount (as the engine and the forecast take it): the rate lookup,
    # a correlated subquery per row, then runs for the other currencies only.
    return Case(When(currency=current_tenant().base_currency, then=F("amount")), default=converted,
                output_field=MONEY), on


def with_base_amount(qs: QuerySet, as_of: date) -> tuple[QuerySet, F]:
    expr = base_amount(as_of)
    if isinstance(expr, tuple):
        amount, on = expr
        return qs.annotate(_fx_on=on, _amt=amount), F("_amt")
    return qs, F("amount")


def _closed_by(day: date) -> Q:
    return Q(is_closed=True) & (Q(close_date__lte=day) | Q(close_date__isnull=True))


def _open_on(day: date) -> Q:
    return ~_closed_by(day) & (Q(created_date__lte=day) | Q(created_date__isnull=True))


def cell_query(qs: QuerySet[Opportunity], *, as_of: date, period: tuple[date, date] | None = None) -> tuple[str, list]:
    """SQL (and params) of the metric cells of the deals of ``qs``: one aggregate whose columns are
    ``o, t, r, s, b, cy, mo, ip, n, cents`` — owner, the deal's own team and region, state, aging
    bucket, cycle days and close month (won), in-period flag (0/1), count, amount in cents.

    The state is computed once in an inner query (the tenant-scoped, filtered queryset) and the
    outer query only buckets and groups. The page's exact path runs it (``metric_cells``) and the
    summaries store its rows (``summaries``), so both read the same definitions.
    """
    qs, amount = with_base_amount(qs, as_of)
    state = Case(
        When(_closed_by(as_of) & Q(is_won=True), then=Value(metrics.WON)),
        When(_closed_by(as_of), then=Value(metrics.LOST)),
        When(_open_on(as_of), then=Value(metrics.OPEN)),
        default=Value(""), output_field=CharField(),
    )
    inner = (
        qs.annotate(_s=state, _o=F("owner_id"), _t=F("team"), _r=F("region"), _c=F("created_date"),
                    _cl=F("close_date"), _a=amount)
        .values("_o", "_t", "_r", "_s", "_c", "_cl", "_a")
        .order_by()
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    day = connection.ops.adapt_datefield_value
    if connection.vendor == "postgresql":
        cycle, month = "(_cl - _c)", "CAST(date_trunc('month', _cl) AS date)"
        inner_sql += " OFFSET 0"  # a fence: the state CASE is computed once per deal, not in every outer key
    else:
        cycle, month = "CAST(julianday(_cl) - julianday(_c) AS INTEGER)", "strftime('%%Y-%%m-01', _cl)"
    bucket_sql = " ".join(f"WHEN _c >= %s THEN '{name}'" for name, _lo, hi in metrics.AGING_BUCKETS if hi is not None)
    bucket_params = [day(as_of - timedelta(days=hi)) for _name, _lo, hi in metrics.AGING_BUCKETS if hi is not None]
    in_period, period_params = "0", []
    if period is not None:
        in_period, period_params = "CASE WHEN _cl >= %s AND _cl <= %s THEN 1 ELSE 0 END", [day(period[0]), day(period[1])]
    sql = (
        f"SELECT _o AS o, _t AS t, _r AS r, _s AS s, "
        f"CASE WHEN _s = 'open' AND _c IS NOT NULL THEN CASE {bucket_sql} ELSE '{metrics.BUCKET_NAMES[-1]}' END END AS b, "
        f"CASE WHEN _s = 'won' AND _c IS NOT NULL AND _cl IS NOT NULL THEN {cycle} END AS cy, "
        f"CASE WHEN _s = 'won' THEN {month} END AS mo, {in_period} AS ip, COUNT(*) AS n, "
        f"SUM(CAST(ROUND(_a * 100) AS BIGINT)) AS cents "
        f"FROM ({inner_sql}) cells WHERE _s <> '' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
    )
    return sql, [*bucket_params, *period_params, *inner_params]


def execute_cells(sql: str, params: list, cursor) -> None:
    if connection.vendor == "postgresql":
        # Tens of thousands of groups: hash them in memory rather than spilling batches to disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
    cursor.execute(sql, params)


def metric_cells(qs: QuerySet[Opportunity], *, as_of: date, owner_attrs: dict[int, tuple[str, str]],
                 period: tuple[date, date] | None = None) -> pd.DataFrame:
    """The metric cell frame of ``metrics`` for the deals of ``qs``, in one aggregate query.

    ``owner_attrs`` maps owner id -> (team, region): a deal with a blank team/region takes its
    owner's (resolved here on the few cells rather than by joining every deal to its seller).
    With ``period`` the frame also has ``in_period`` (close date within it), so coverage needs no
    second pass over the deals.
    """
    sql, params = cell_query(qs, as_of=as_of, period=period)
    with connection.cursor() as cursor:
        execute_cells(sql, params, cursor)
        rows = cursor.fetchall()
    return cells_frame(rows, owner_attrs)


def cells_frame(rows: list[tuple], owner_attrs: dict[int, tuple[str, str]]) -> pd.DataFrame:
    """Cell rows (the columns of ``cell_query``, from it or from ``PipelineSummary``) as the cell
    frame of ``metrics``, with team and region resolved (the deal's own, else its owner's)."""
    if not rows:
        return metrics.empty_cells().assign(in_period=pd.Series(dtype=bool))
    df = pd.DataFrame.from_records(rows, columns=["owner_id", "team", "region", "state", "bucket", "cycle_days",
                                                  "close_month", "in_period", "n", "amount_cents"])
    # Amounts are summed as integer cents in SQL (each deal rounded half away from zero to the cent).
    fallback = pd.DataFrame.from_dict(owner_attrs, orient="index", columns=["t", "r"]) if owner_attrs else None
    for col, attr in (("team", "t"), ("region", "r")):
        own = df[col].fillna("").astype(str)
        if fallback is not None:
            own = own.where(own != "", df["owner_id"].map(fallback[attr]).fillna(""))
        df[col] = own.to_numpy()
    df["cycle_days"] = pd.to_numeric(df["cycle_days"], errors="coerce").astype("float64")
    if connection.vendor != "postgresql":  # SQLite gives text; PostgreSQL dates already
        df["close_month"] = [as_date(m) for m in df["close_month"]]
    df["n"] = df["n"].astype("int64")
    df["amount_cents"] = df["amount_cents"].fillna(0).astype("int64")
    df["in_period"] = df["in_period"].astype(bool)
    return df[[*metrics.CELL_COLUMNS, "in_period"]]


def as_date(v):
    if v is None:
        return None
    if isinstance(v, str):
        return date.fromisoformat(v[:10])
    return v.date() if hasattr(v, "date") and callable(v.date) else v


def owner_attrs(*, access: TenantAccess) -> dict[int, tuple[str, str]]:
    """Owner id -> (team, region) of every visible seller (one light query)."""
    return {pk: (team or "", region or "") for pk, team, region
            in seller_list(access=access).order_by().values_list("id", "team", "region")}


def system_access(tenant: Tenant) -> TenantAccess:
    """Tenant-wide read access for commands and tasks (an unsaved admin membership: no user)."""
    return TenantAccess(tenant=tenant, membership=Membership(tenant=tenant, role=Role.ADMIN))


def scoped_sellers(*, access: TenantAccess, filters: PipelineFilters | None = None) -> QuerySet:
    """The visible sellers narrowed like the deals (owner, team, region, segment filters)."""
    qs = seller_list(access=access)
    f = filters or PipelineFilters()
    if f.owner_ids:
        qs = qs.filter(pk__in=f.owner_ids)
    if f.team:
        qs = qs.filter(team=f.team)
    if f.region:
        qs = qs.filter(region=f.region)
    if f.segment:
        qs = qs.filter(segment=f.segment)
    return qs


def seller_refs(*, access: TenantAccess, filters: PipelineFilters | None = None) -> list[metrics.SellerRef]:
    """The sellers in scope as the report keys them (e-mail, else external id)."""
    return [
        metrics.SellerRef(id=s["id"], email=s["email"] or s["external_id"], team=s["team"] or "", region=s["region"] or "")
        for s in scoped_sellers(access=access, filters=filters).order_by().values("id", "email", "external_id", "team", "region")
    ]


def pipeline_report(*, access: TenantAccess, as_of: date, filters: PipelineFilters | None = None) -> dict:
    """The ``pipeline_metrics`` document for the viewer's scope (commands pass ``system_access``)."""
    cells = metric_cells(scoped_deals(access=access, filters=filters), as_of=as_of, owner_attrs=owner_attrs(access=access))
    return metrics.report(cells, as_of=as_of, sellers=seller_refs(access=access, filters=filters),
                          fy_start_month=access.tenant.fiscal_year_start_month)


# ---- inspection ------------------------------------------------------------------------------


def period_money(cells: pd.DataFrame) -> dict[str, int]:
    """Open pipeline closing in the period and bookings won in it, in cents, from period cells."""
    if cells.empty:
        return {"pipeline": 0, "booked": 0}
    inp = cells["in_period"].to_numpy(dtype=bool)
    state = cells["state"].to_numpy()
    cents = cells["amount_cents"].to_numpy(dtype="int64")
    return {"pipeline": int(cents[inp & (state == metrics.OPEN)].sum()),
            "booked": int(cents[inp & (state == metrics.WON)].sum())}


def default_flow_window(as_of: date, period: str, fy_start_month: int) -> tuple[date, date]:
    """The flow panel's default days for a view (``params.parse_params``; the summary stores this window):
    the day before the period to the as-of day (the period's last day when the view starts on its first).
    The flow starts from the state at the end of its first day, so the period starts from the day before:
    a deal won or created on the period's first day is in it (won = the period's bookings so far)."""
    start, end, _ = parse_period_key(period, fy_start_month)
    return start - timedelta(days=1), (min(as_of, end) if as_of > start else end)


def flow_groups(qs: QuerySet[Opportunity], *, start: date, end: date, by: tuple[str, ...] = ()) -> QuerySet:
    """The flow aggregate (``_s`` state at start, ``_e`` at end, ``_c`` created in, ``_n``, ``_sum``)
    of the deals of ``qs``, grouped also by the columns ``by`` (the summary adds owner, team, region)."""
    qs, amount = with_base_amount(qs, end)
    closed_in = _closed_by(end) & ~_closed_by(start)
    return (
        qs.annotate(
            _s=Case(When(_open_on(start), then=Value("open")), When(_closed_by(start), then=Value("closed")),
                    default=Value("none"), output_field=CharField()),
            _e=Case(When(_open_on(end), then=Value("open")), When(closed_in & Q(is_won=True), then=Value("won")),
                    When(closed_in, then=Value("lost")), default=Value("none"), output_field=CharField()),
            _c=Case(When(created_date__gt=start, created_date__lte=end, then=Value(True)), default=Value(False),
                    output_field=BooleanField()),
        )
        .values(*by, "_s", "_e", "_c").annotate(_n=Count("id"), _sum=Sum(amount)).order_by()
    )


def flow_cells(qs: QuerySet[Opportunity], *, start: date, end: date) -> pd.DataFrame:
    """The flow cell frame of ``inspection.flow`` (at most 3 × 4 × 2 rows, one query)."""
    data = [(r["_s"], r["_e"], bool(r["_c"]), int(r["_n"]), metrics.to_cents(r["_sum"] or 0))
            for r in flow_groups(qs, start=start, end=end)]
    return flow_frame(data)


def flow_frame(data: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(data, columns=["state_start", "state_end", "created_in", "n", "amount_cents"])


# Per candidate deal, its recorded close date on the start and on the end day: that of its latest
# history row on or before the day that has one (as ``inspection.close_date_moves``; one row per
# deal and day), and the deals whose two dates differ.
_MOVES = """
WITH s AS (
  SELECT opportunity_id, close_date FROM (
    SELECT opportunity_id, close_date, ROW_NUMBER() OVER (PARTITION BY opportunity_id ORDER BY as_of DESC) AS rn
    FROM {history} WHERE tenant_id = %s AND as_of <= %s AND close_date IS NOT NULL
      AND opportunity_id IN (SELECT opportunity_id FROM {history} WHERE tenant_id = %s AND as_of > %s AND as_of <= %s)
  ) x WHERE rn = 1
),
e AS (
  SELECT opportunity_id, close_date FROM (
    SELECT opportunity_id, close_date, ROW_NUMBER() OVER (PARTITION BY opportunity_id ORDER BY as_of DESC) AS rn
    FROM {history} WHERE tenant_id = %s AND as_of <= %s AND close_date IS NOT NULL
      AND opportunity_id IN (SELECT opportunity_id FROM s)
  ) y WHERE rn = 1
)
SELECT s.opportunity_id, s.close_date, e.close_date, cand._base
FROM s JOIN e ON e.opportunity_id = s.opportunity_id JOIN ({cand}) cand ON cand.pk = s.opportunity_id
WHERE s.close_date <> e.close_date
"""


def close_date_moves(qs: QuerySet[Opportunity], *, start: date, end: date, limit: int = 25) -> dict:
    """Pushed and pulled-in deals between ``start`` and ``end`` from OpportunityHistory, as
    ``inspection.close_date_moves`` defines them (the tests compare the two).

    Only deals with a recorded change in (start, end] and a recorded close date on ``start`` can
    have moved, so only their history is read (bounded by the activity of the window, not the size
    of the pipeline); the two close dates are compared in SQL and only moved deals open at ``end``
    come back, then the largest of each kind are read (two queries)."""
    # The amount in the base currency, as every pipeline amount (not euros added to dollars).
    cand, base = with_base_amount(qs.filter(_open_on(end)), end)
    cand_sql, cand_params = cand.order_by().annotate(_base=base).values("pk", "_base").query.sql_with_params()
    day, tenant = connection.ops.adapt_datefield_value, current_tenant().pk
    sql = _MOVES.format(cand=cand_sql, history=OpportunityHistory._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant, day(start), tenant, day(start), day(end), tenant, day(end), *cand_params])
        moved = cursor.fetchall()
    result = {kind: {"count": 0, "amount": "0.00", "deals": []} for kind in ("pushed", "pulled_in")}
    if not moved:
        return result
    by_kind: dict[str, list] = {"pushed": [], "pulled_in": []}
    for pk, close_start, close_end, amount in moved:
        close_start, close_end = as_date(close_start), as_date(close_end)
        by_kind["pushed" if close_end > close_start else "pulled_in"].append((pk, close_start, close_end, Decimal(amount)))
    top = {kind: sorted(rows, key=lambda r: (-r[3], r[0]))[:limit] for kind, rows in by_kind.items()}
    deals = {d["pk"]: d for d in Opportunity.objects.filter(pk__in=[r[0] for rows in top.values() for r in rows])
             .values("pk", "external_id", "name", "amount", "currency", "stage", "owner__name")}
    for kind, rows in by_kind.items():
        result[kind] = {"count": len(rows), "amount": metrics.money(sum(metrics.to_cents(r[3]) for r in rows)),
                        "deals": [{**deals[pk], "close_start": cs, "close_end": ce} for pk, cs, ce, _a in top[kind]]}
    return result


def stage_norms(*, with_counts: bool = False) -> dict:
    """``{stage: norm days}`` from the tenant's whole stage history (see ``inspection``);
    ``with_counts``: ``{stage: (norm days, completed stays)}``."""
    changes = pd.DataFrame(
        list(StageChange.objects.order_by().values_list("opportunity_id", "to_stage", "changed_at")),
        columns=["opportunity_id", "to_stage", "changed_at"],
    )
    stays = inspection.stage_stays(changes)
    norms = inspection.stage_norms(stays)
    if not with_counts:
        return norms
    counts = stays.groupby("stage").size()
    return {stage: (days, int(counts[stage])) for stage, days in norms.items()}


def stuck_queryset(qs: QuerySet[Opportunity], *, as_of: date, norms: dict[str, float]) -> QuerySet[Opportunity]:
    """Open deals of ``qs`` in their current stage for longer than its norm (see ``stuck_deals``)."""
    since = Case(*[When(stage=stage, then=Value(as_of - timedelta(days=int(norm)))) for stage, norm in norms.items()],
                 default=Value(None), output_field=DateField())
    recent = StageChange.objects.filter(opportunity_id=OuterRef("pk"), changed_at__date__gt=OuterRef("_since"))
    return (
        qs.filter(_open_on(as_of), stage__in=list(norms))
        .alias(_since=since).filter(created_date__lt=F("_since"))
        .alias(_recent=Exists(recent)).filter(_recent=False)
    )


def slipped_queryset(qs: QuerySet[Opportunity], *, as_of: date) -> QuerySet[Opportunity]:
    """Open deals of ``qs`` whose close date is already past."""
    return qs.filter(_open_on(as_of), close_date__lt=as_of)


def stuck_deals(qs: QuerySet[Opportunity], *, as_of: date, norms: dict[str, float], limit: int = 25,
                totals: tuple[int, int] | None = None) -> dict:
    """Open deals in their current stage for longer than its norm: count, amount, the largest.

    Days in stage run from the deal's last stage change (else its created date): a deal is stuck
    when it was created before ``as_of − norm`` of its stage and has no stage change after that
    day. Two queries (totals, the largest deals), each one pass with an anti-join on the
    (tenant, opportunity, changed_at) index, whatever the number of stages; one when ``totals``
    (count, cents) come from the summary."""
    empty = {"count": 0, "amount": "0.00", "deals": []}
    if not norms:
        return empty
    norm_days = Case(*[When(stage=stage, then=Value(float(norm))) for stage, norm in norms.items()],
                     default=Value(None), output_field=FloatField())
    stuck = stuck_queryset(qs, as_of=as_of, norms=norms)
    return _listed(stuck, as_of, totals, limit, ("created_date", "close_date", "norm_days"), norm_days=norm_days)


def slipped_deals(qs: QuerySet[Opportunity], *, as_of: date, limit: int = 25, totals: tuple[int, int] | None = None) -> dict:
    """Open deals whose close date is already past: count, amount, the largest."""
    return _listed(slipped_queryset(qs, as_of=as_of), as_of, totals, limit, ("close_date",))


def _listed(deals: QuerySet, as_of: date, totals: tuple[int, int] | None, limit: int, extra: tuple[str, ...],
            **annotations) -> dict:
    """Count, amount in the base currency like every pipeline amount (from ``totals`` when given, else one
    aggregate) and the ``limit`` largest deals (in their own currencies)."""
    if totals is None:
        converted, amount = with_base_amount(deals, as_of)
        agg = converted.aggregate(n=Count("id"), s=Sum(amount))
        totals = (agg["n"] or 0, metrics.to_cents(agg["s"] or 0))
    if not totals[0]:
        return {"count": 0, "amount": "0.00", "deals": []}
    rows = list(deals.annotate(**annotations).order_by("-amount", "id").values(
        "pk", "external_id", "name", "amount", "currency", "stage", "owner__name", *extra)[:limit])
    return {"count": totals[0], "amount": metrics.money(totals[1]), "deals": rows}


# ---- the page and API composition -------------------------------------------------------------


def quota_rows_for(*, access: TenantAccess, seller_ids: list[int] | None = None,
                   periods: list[str] | None = None) -> list:
    """Bookings quotas of the given sellers (default: every visible seller) as scorecard
    ``QuotaRow``s (one query); ``periods``: only rows of these period keys."""
    from performance.scorecards.engine import QuotaRow

    qs = quota_list(access=access).filter(measure="bookings")
    if seller_ids is not None:
        qs = qs.filter(seller_id__in=id_set(seller_ids))
    if periods is not None:
        qs = qs.filter(period__in=periods)
    return [QuotaRow(seller_id=s, period=p, amount=a, source=src)
            for s, p, a, src in qs.order_by().values_list("seller_id", "period", "amount", "source")]


def seller_infos(*, access: TenantAccess, filters: PipelineFilters | None = None) -> list:
    """The sellers in scope as scorecard ``SellerInfo``s (one query)."""
    from performance.scorecards.engine import SellerInfo

    return [
        SellerInfo(id=s["id"], name=s["name"], email=s["email"] or s["external_id"], role_type=s["role_type"],
                   team=s["team"] or "", region=s["region"] or "", hire_date=s["hire_date"], manager_id=s["manager_id"],
                   segment=s["segment"] or "")
        for s in scoped_sellers(access=access, filters=filters).order_by("name", "id")
        .values("id", "name", "email", "external_id", "role_type", "team", "region", "hire_date", "manager_id", "segment")
    ]


def quota_keys(period: str, fy: int) -> list[str]:
    """The quota period keys a ramped quota of ``period`` reads: its months, their quarters and years."""
    return sorted({key for month in months_in_period(period, fy)
                   for key in (month, *(quota_period_key(date(int(month[:4]), int(month[5:7]), 1), kind, fy)
                                        for kind in ("quarter", "year")))})


def ramped_quotas_by_seller(index: dict, sellers: list, period: str, fy: int) -> dict[int, int]:
    """Seller id -> known ramped quota in cents (``scorecards.engine.ramped_quota_cents``) of ``sellers``.
    Sellers with the same hire date and the same quota rows for the period's months, quarters and
    years get the same figure, so it is computed once per such group, not once per seller (a
    manager's page sums thousands, most on a handful of standard quotas)."""
    from performance.scorecards.engine import ramped_quota_cents

    keys = quota_keys(period, fy)
    memo: dict[tuple, int | None] = {}
    out: dict[int, int] = {}
    for seller in sellers:
        rows = index.get(seller.id)
        if not rows:
            continue
        signature = (seller.hire_date, *((r.amount, r.source) if (r := rows.get(k)) else None for k in keys))
        if signature not in memo:
            memo[signature] = ramped_quota_cents(index, seller, period, fy)
        if memo[signature] is not None:
            out[seller.id] = memo[signature]
    return out


def carrier_quotas_cents(*, access: TenantAccess, period: str, sellers: list | None = None,
                         narrowed: bool = False) -> dict[int, int]:
    """Seller id -> bookings quota of ``period`` (a fiscal period key) in cents of each quota carrier among
    ``sellers`` (``SellerInfo``s; default: every visible seller) who has one: ramp-adjusted
    (``scorecards.engine``: month rows, else a third of the quarter's, else a twelfth of the year's; a
    quarter row beside its months is not added twice); a manager's roll-up left out when someone below
    them is among ``sellers``. The one figure the scorecards, coverage, forecast target and pipeline-gap
    alerts read. ``narrowed``: ``sellers`` is a filtered part of the visible ones (else every visible
    quota is read)."""
    from performance.scorecards.engine import quota_carriers, quotas_by_seller, teams_below

    fy = access.tenant.fiscal_year_start_month
    sellers = seller_infos(access=access) if sellers is None else sellers
    quotas = quota_rows_for(access=access, seller_ids=[s.id for s in sellers] if narrowed else None,
                            periods=quota_keys(period, fy))  # a seller's other quotas count for nothing here
    carriers = quota_carriers(teams_below(sellers))  # a manager's roll-up quota would count their team twice
    return ramped_quotas_by_seller(quotas_by_seller(quotas), [s for s in sellers if s.id in carriers], period, fy)


def quota_total_cents(*, access: TenantAccess, period: str, sellers: list | None = None,
                      narrowed: bool = False) -> int | None:
    """The bookings quota of ``period`` over ``sellers`` in cents: the sum of ``carrier_quotas_cents``
    (each carrier's ramp-adjusted quota, no roll-up counted twice). None without any."""
    known = carrier_quotas_cents(access=access, period=period, sellers=sellers, narrowed=narrowed)
    return sum(known.values()) if known else None


def pipeline_document(*, access: TenantAccess, as_of: date, period: str, filters: PipelineFilters | None,
                      sellers: list[metrics.SellerRef], owner_rows: int | None = None,
                      served: bool | None = None) -> tuple[dict, dict]:
    """(the ``pipeline_metrics`` document, ``period_money`` of ``period``) of the view: from the
    owners' roll-up rows when the summary serves it, else from its cells, else from the deals
    (another day or period, a product filter). ``owner_rows``: ``by_owner`` narrowed to that many
    largest open pipelines (``metrics.top_of_owners``; a page lists no more). ``served``: whether
    the summary serves the view, when the caller has read its version (``summaries.summary_cells``)."""
    from performance.pipeline.summaries import summary_cells, summary_report  # they build on this module

    rolled = summary_report(access=access, as_of=as_of, period=period, filters=filters, sellers=sellers,
                            owner_limit=owner_rows, served=served)
    if rolled is not None:
        return rolled
    fy = access.tenant.fiscal_year_start_month
    start, end, _ = parse_period_key(period, fy)
    attrs = owner_attrs(access=access)
    cells = summary_cells(access=access, as_of=as_of, period=period, filters=filters, attrs=attrs, served=served)
    if cells is None:
        cells = metric_cells(scoped_deals(access=access, filters=filters), as_of=as_of, owner_attrs=attrs,
                             period=(start, end))
    doc = metrics.report(cells, as_of=as_of, sellers=sellers, fy_start_month=fy)
    if owner_rows is not None:
        doc["by_owner"] = metrics.top_of_owners(doc["by_owner"], owner_rows)
    return doc, period_money(cells)


def pipeline_overview(*, access: TenantAccess, as_of: date, period: str, filters: PipelineFilters | None = None,
                      owner_rows: int | None = None, served: bool | None = None) -> dict:
    """Everything of the pipeline page's first screen: the metric document (``pipeline_document``;
    ``owner_rows`` and ``served`` as there), coverage of ``period`` (a fiscal period key) and velocity. A bounded
    number of queries whatever the data size."""
    fy = access.tenant.fiscal_year_start_month
    start, end, _ = parse_period_key(period, fy)
    sellers = seller_infos(access=access, filters=filters)
    refs = [metrics.SellerRef(id=s.id, email=s.email, team=s.team, region=s.region) for s in sellers]
    doc, money_in_period = pipeline_document(access=access, as_of=as_of, period=period, filters=filters, sellers=refs,
                                             owner_rows=owner_rows, served=served)
    narrowed = filters is not None and bool(filters.as_query())
    quota = quota_total_cents(access=access, period=period, sellers=sellers, narrowed=narrowed)
    overall = doc["overall"]
    avg_cents = metrics.to_cents(overall["avg_won_deal"]) if overall["avg_won_deal"] is not None else None
    return {
        "as_of": as_of,
        "period": period,
        "period_start": start,
        "period_end": end,
        "currency": access.tenant.base_currency,
        "metrics": doc,
        "coverage": inspection.coverage(pipeline_cents=money_in_period["pipeline"], quota_cents=quota,
                                        booked_cents=money_in_period["booked"]),
        "velocity": inspection.velocity(open_count=overall["open_count"], win_rate=overall["win_rate"],
                                        avg_won_cents=avg_cents, cycle_days=overall["median_cycle_days_won"]),
        "sellers": sellers,
    }


def pipeline_flow(*, access: TenantAccess, start: date, end: date, filters: PipelineFilters | None = None) -> dict:
    """Flow between two days and the close-date moves behind it."""
    from performance.pipeline.summaries import summary_flow_cells  # it builds on this module

    qs = scoped_deals(access=access, filters=filters)
    cells = summary_flow_cells(access=access, start=start, end=end, filters=filters)
    if cells is None:
        cells = flow_cells(qs, start=start, end=end)
    return {"start": start, "end": end, "flow": inspection.flow(cells), "moves": close_date_moves(qs, start=start, end=end)}


def pipeline_risks(*, access: TenantAccess, as_of: date, filters: PipelineFilters | None = None) -> dict:
    """Stuck and slipped deals as of a day (stage norms cached per tenant and day)."""
    from performance.pipeline.summaries import summary_risk_totals  # it builds on this module

    qs = scoped_deals(access=access, filters=filters)
    norms = cached_stage_norms(tenant_id=access.tenant.pk)
    # The summary's totals (kept with every deal write) spare the two scans; the largest deals
    # are an index walk by amount either way.
    totals = summary_risk_totals(access=access, as_of=as_of, filters=filters) or {}
    return {"norms": norms, "stuck": stuck_deals(qs, as_of=as_of, norms=norms, totals=totals.get("stuck")),
            "slipped": slipped_deals(qs, as_of=as_of, totals=totals.get("slipped"))}


def cached_stage_norms(*, tenant_id: int) -> dict[str, float]:
    """The norms stored by the last summary roll or import (``summaries``); for a tenant without
    them, computed from the whole stage history and cached, keyed by the latest stage change (a
    new change — an import, a deal update — makes a new key; one cheap query)."""
    from performance.pipeline.summaries import stored_stage_norms  # it builds on this module

    stored = stored_stage_norms()
    if stored is not None:
        return stored
    latest = StageChange.objects.aggregate(m=Max("id"))["m"] or 0
    return cached_value("pipeline:stage-norms", (tenant_id, latest), stage_norms, seconds=24 * 3600)


def deal_drilldown(*, access: TenantAccess, as_of: date, filters: PipelineFilters | None = None, state: str = "",
                   bucket: str = "", period: str = "") -> QuerySet[Opportunity]:
    """The deals behind a figure: state (open|won|lost as of the day), aging bucket, closing in a period."""
    qs = scoped_deals(access=access, filters=filters).select_related("owner", "account")
    if state == metrics.OPEN:
        qs = qs.filter(_open_on(as_of))
    elif state == metrics.WON:
        qs = qs.filter(_closed_by(as_of), is_won=True)
    elif state == metrics.LOST:
        qs = qs.filter(_closed_by(as_of), is_won=False)
    if bucket in metrics.BUCKET_NAMES:
        lo, hi = next((lo, hi) for name, lo, hi in metrics.AGING_BUCKETS if name == bucket)
        qs = qs.filter(_open_on(as_of), created_date__lte=as_of - timedelta(days=lo))
        if hi is not None:
            qs = qs.filter(created_date__gte=as_of - timedelta(days=hi))
    if period:
        start, end, _ = parse_period_key(period, access.tenant.fiscal_year_start_month)
        qs = qs.filter(close_date__gte=start, close_date__lte=end)
    return qs


# ---- caching of large scopes --------------------------------------------------------------------

CACHE_MIN_DEALS = 20_000  # below this pages compute fresh (small, fast); above it, cached
CACHE_SECONDS = 300


def _large_tables() -> bool:
    """Whether the deal table is big enough for caching to matter. PostgreSQL: the planner's row
    estimate of the whole table (free; all tenants); SQLite (the embedded demo): never."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Opportunity._meta.db_table])
        row = cursor.fetchone()
    return bool(row) and row[0] >= CACHE_MIN_DEALS


def data_version() -> tuple[int, ...]:
    """What changes whenever the figures may: the tenant's newest deal, history row, stage change
    and audit event (every service write is audited; imports add rows and one audit record).
    Index reads, no scan."""
    from spm.models import AuditEvent

    return tuple(
        model.objects.aggregate(m=Max("id"))["m"] or 0
        for model in (Opportunity, OpportunityHistory, StageChange, AuditEvent)
    )


def cached(kind: str, *, access: TenantAccess, key_parts: tuple, compute, version: tuple | None = None):
    """``compute()`` — or its cached result for the same tenant, viewer scope, inputs and data
    version. ``version``: the summary's (``summaries.summary_version``) when it serves the view —
    already read, so the view is cached whatever the data size (a few thousand deals still cost
    ~50–100 ms of pandas per view). Otherwise cached once the deal table holds about CACHE_MIN_DEALS
    rows (below, the four max-id lookups of ``data_version`` cost about what they would save); the
    ``pipeline_metrics`` command never comes here."""
    if version is None and not _large_tables():
        return compute()
    version = ("summary", *version) if version is not None else data_version()
    scope = visibility_key(access)
    return cached_value("pipeline", (kind, access.tenant.pk, scope, version, key_parts), compute, seconds=CACHE_SECONDS)
