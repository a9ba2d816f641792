"""Pipeline summaries (see ``performance.pipeline.models``): write them with the deals, read them for the page.

Writes (call inside the transaction that changed deals, after the writes, tenant in scope):

* ``pipeline_summaries_refresh(owner_ids=…)`` — the one hook for loaders and services: replaces
  the summary rows of the touched owners (a deal that changed owner touches both) from the deals,
  set-based (one DELETE, one INSERT … SELECT of the same cell aggregate the exact path runs); the
  statements of an owners' refresh are compiled once per shape (``compiled_owner_statements``).
  ``owner_ids=None`` rebuilds every owner; ``norms=True`` also recomputes the stage norms (imports
  and history writes). A no-op when the tenant has no summary yet or another transaction left it
  dirty (it is then unusable until the next roll, so there is nothing to keep exact).
* ``pipeline_summaries_rebuild(as_of=…)`` — everything, for a day: the daily roll (Celery beat),
  the lazy roll a read schedules when the rows are for another day, the demo and bench loaders.

Both lock the tenant's state row first (``SELECT … FOR UPDATE``): writers of one tenant and a roll
serialise on it, and the deal trigger's UPDATE of the same row makes a roll wait for the writing
transaction to commit before it reads the deals.

Reads: ``summary_cells`` returns the metric cell frame of ``selectors.metric_cells`` for the view
(as of the state's day, for its period, visible owners, owner/team/region/segment filters) from
O(owners × cells) rows, or None when the summary cannot serve it — another day or period, a
product filter, dirty rows — and the caller takes the exact path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, QuerySet, Subquery, Sum
from django.utils import timezone

from performance.models import Opportunity, StageChange
from performance.pipeline import metrics
from performance.pipeline.inspection import MIN_STAYS, NORM_QUANTILE
from performance.pipeline.metrics import SellerRef
from performance.pipeline.models import (
    PipelineOwnerRollup,
    PipelinePanelSummary,
    PipelineStageNorm,
    PipelineSummary,
    PipelineSummaryState,
)
from performance.pipeline.selectors import (
    REGION,
    TEAM,
    PipelineFilters,
    as_date,
    cell_query,
    cells_frame,
    default_flow_window,
    execute_cells,
    flow_frame,
    flow_groups,
    id_set,
    owner_attrs,
    slipped_queryset,
    stage_norms,
    stuck_queryset,
    with_base_amount,
)
from planning.selectors import seller_list, visible_seller_ids
from spm.fiscal import parse_period_key, quarter_key
from spm.models import FxRate
from spm.tenancy.access import TenantAccess
from spm.tenancy.context import current_tenant

COLUMNS = ("owner_id", "team", "region", "state", "bucket", "cycle_days", "close_month", "in_period", "n",
           "amount_cents")
ROLLUP_COLUMNS = ("owner_id", "team", "region", "won_n", "lost_n", "open_n", "won_cents", "open_cents",
                  "pipeline_cents", "booked_cents", "aging", "months", "cycles")


def summaries_enabled() -> bool:
    """Pages read summaries on PostgreSQL (where the dirty trigger backs them); SQLite (the embedded
    demo, small) computes exactly unless a test turns them on."""
    return getattr(settings, "PIPELINE_SUMMARIES", connection.vendor == "postgresql")


def _xid() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        return cursor.fetchone()[0]


def _locked_state() -> PipelineSummaryState | None:
    return PipelineSummaryState.objects.select_for_update().first()


def _cells_insert(qs, *, state: PipelineSummaryState) -> tuple[str, list]:
    """SQL and params of the INSERT … SELECT of the cell aggregate of the deals of ``qs`` as of the
    state's day and period, RETURNING the rows written (``COLUMNS``), for their roll-up."""
    start, end, _ = parse_period_key(state.period, current_tenant().fiscal_year_start_month)
    sql, params = cell_query(qs, as_of=state.as_of, period=(start, end))
    table = PipelineSummary._meta.db_table
    insert = (
        f"INSERT INTO {table} (tenant_id, {', '.join(COLUMNS)}) "
        f"SELECT %s, o, COALESCE(t, ''), COALESCE(r, ''), s, b, cy, mo, ip <> 0, n, COALESCE(cents, 0) FROM ({sql}) q "
        f"RETURNING {', '.join(COLUMNS)}"
    )
    return insert, [state.tenant_id, *params]


def _run_cells_insert(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        execute_cells(sql, params, cursor)
        return cursor.fetchall()


def _insert_rows(qs, *, state: PipelineSummaryState) -> list[tuple]:
    """INSERT … SELECT the cell aggregate of the deals of ``qs`` (``_cells_insert``); returns the rows written."""
    return _run_cells_insert(*_cells_insert(qs, state=state))


def _ints(items: Iterable[tuple]) -> str:
    """Integer tuples as one flat, space-separated text (``PipelineOwnerRollup``'s lists)."""
    return " ".join(str(int(v)) for item in items for v in item)


def rollups_of(rows: Iterable[tuple]) -> list[PipelineOwnerRollup]:
    """``PipelineOwnerRollup`` rows (unsaved) of summary rows (the columns ``COLUMNS``): per
    (owner, own team, own region), every figure ``summary_report`` reads — the sums it took over
    the cells, the cycle lengths as a histogram so medians stay exact."""
    bucket_index = {name: i for i, name in enumerate(metrics.BUCKET_NAMES)}
    acc: dict[tuple, list] = {}
    for owner, team, region, state, bucket, cycle, month, in_period, n, cents in rows:
        # won_n, lost_n, open_n, won_cents, open_cents, pipeline_cents, booked_cents, aging, months, cycles
        r = acc.get((owner, team, region))
        if r is None:
            r = acc[(owner, team, region)] = [0, 0, 0, 0, 0, 0, 0, {}, {}, {}]
        n, cents = int(n), int(cents)
        if state == metrics.WON:
            r[0] += n
            r[3] += cents
            r[6] += cents if in_period else 0
            if cycle is not None:
                r[9][int(cycle)] = r[9].get(int(cycle), 0) + n
            if month is not None:
                month = as_date(month)
                m = r[8].setdefault(month.year * 100 + month.month, [0, 0])
                m[0], m[1] = m[0] + n, m[1] + cents
        elif state == metrics.LOST:
            r[1] += n
        elif state == metrics.OPEN:
            r[2] += n
            r[4] += cents
            r[5] += cents if in_period else 0
            if bucket is not None:
                b = r[7].setdefault(bucket_index[bucket], [0, 0])
                b[0], b[1] = b[0] + n, b[1] + cents
    tenant = current_tenant()
    return [
        PipelineOwnerRollup(tenant=tenant, owner_id=owner, team=team, region=region, won_n=r[0], lost_n=r[1],
                            open_n=r[2], won_cents=r[3], open_cents=r[4], pipeline_cents=r[5], booked_cents=r[6],
                            aging=_ints((k, *v) for k, v in sorted(r[7].items())),
                            months=_ints((k, *v) for k, v in sorted(r[8].items())),
                            cycles=_ints(sorted(r[9].items())))
        for (owner, team, region), r in sorted(acc.items())
    ]


def _replace_rollups(owner_ids: list[int] | None, rows: list[tuple]) -> None:
    """Replace the roll-up rows of the owners (None: all) by those of their summary rows ``rows``,
    just written (``_insert_rows``)."""
    rollups = PipelineOwnerRollup.objects.all()
    if owner_ids is not None:
        if not owner_ids:
            return
        rollups = rollups.filter(owner_id__in=id_set(owner_ids))
    rollups.delete()
    PipelineOwnerRollup.objects.bulk_create(rollups_of(rows), batch_size=2000)


def _stored_norms() -> dict[str, float]:
    """The stored stage norms in stage order (one query; the order keeps the stuck CASE's text stable)."""
    return dict(PipelineStageNorm.objects.order_by("stage").values_list("stage", "norm_days"))


def _panel_inserts(qs, *, state: PipelineSummaryState, kinds: tuple[str, ...],
                   norms: dict[str, float]) -> list[tuple[str, list]]:
    """SQL and params of the INSERT … SELECTs of the panel rows (``PipelinePanelSummary``) of ``kinds``
    for the deals of ``qs`` (``norms``: the stored stage norms, for the stuck rows)."""
    table = PipelinePanelSummary._meta.db_table
    columns = "tenant_id, owner_id, team, region, kind, state_start, state_end, created_in, n, amount_cents"
    by = ("owner_id", "team", "region")
    selects = []
    if "flow" in kinds:
        start, end = default_flow_window(state.as_of, state.period, current_tenant().fiscal_year_start_month)
        sql, params = flow_groups(qs, start=start, end=end, by=by).query.sql_with_params()
        selects.append((f"SELECT %s, owner_id, COALESCE(team, ''), COALESCE(region, ''), 'flow', _s, _e, _c, _n, "
                        f"CAST(ROUND(COALESCE(_sum, 0) * 100) AS BIGINT) FROM ({sql}) q", params))
    for kind, deals in (("stuck", stuck_queryset(qs, as_of=state.as_of, norms=norms) if norms else None),
                        ("slipped", slipped_queryset(qs, as_of=state.as_of))):
        if kind in kinds and deals is not None:
            deals, amount = with_base_amount(deals, state.as_of)  # the base currency, as the page's own aggregate
            sql, params = (deals.values(*by).annotate(_n=Count("id"), _sum=Sum(amount)).order_by()
                           .query.sql_with_params())
            selects.append((f"SELECT %s, owner_id, COALESCE(team, ''), COALESCE(region, ''), '{kind}', '', '', "
                            f"false, _n, CAST(ROUND(COALESCE(_sum, 0) * 100) AS BIGINT) FROM ({sql}) q", params))
    return [(f"INSERT INTO {table} ({columns}) {select}", [state.tenant_id, *params]) for select, params in selects]


def _run(statements: list[tuple[str, list]]) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _insert_panels(qs, *, state: PipelineSummaryState, kinds: tuple[str, ...]) -> None:
    """INSERT … SELECT the panel rows of ``kinds`` for the deals of ``qs`` (``_panel_inserts``)."""
    _run(_panel_inserts(qs, state=state, kinds=kinds, norms=_stored_norms()))


# Compiled statements of an owners' refresh (every deal write runs one). Building the CASE-heavy querysets
# and compiling them costs about twice what PostgreSQL takes to run them, and for a tenant the SQL only
# changes with the inputs of the key below — the day, period, fiscal year, FX at all, stage norms, panel
# kinds, the number of owners and the active time zone. So each shape is compiled once, with stand-in owner ids whose positions in
# the parameters are noted, and a refresh substitutes the real ids: the statements Django would build, with
# the same parameters. The tenant is in the key (its id is a parameter; RLS holds regardless).
_COMPILED_MAX = 128  # shapes kept (per process); a tenant uses one or two a day
_COMPILED_OWNERS = 50  # id_set's placeholder limit: past it the ids become one array parameter
_STAND_IN = -(2**62)  # stand-in owner ids _STAND_IN + i: no real id or other parameter is negative that far
_compiled: OrderedDict[tuple, list[tuple[str, list, list[tuple[int, int]]]]] = OrderedDict()
_compiled_lock = threading.Lock()


def _owner_statements(state: PipelineSummaryState, ids: list[int], *, kinds: tuple[str, ...],
                      norms: dict[str, float]) -> list[tuple[str, list]]:
    """The cell insert (first, RETURNING its rows) and the panel inserts of ``kinds`` for the deals of ``ids``."""
    qs = Opportunity.objects.filter(owner_id__in=id_set(ids))
    return [_cells_insert(qs, state=state), *_panel_inserts(qs, state=state, kinds=kinds, norms=norms)]


def _template(statements: list[tuple[str, list]], n: int) -> list[tuple[str, list, list[tuple[int, int]]]] | None:
    """(sql, params, [(position, owner index)]) per statement built with the stand-in ids, or None when an
    owner does not appear as a plain parameter of every statement (then nothing is cached)."""
    out = []
    for sql, params in statements:
        slots = [(pos, p - _STAND_IN) for pos, p in enumerate(params)
                 if type(p) is int and _STAND_IN <= p < _STAND_IN + n]
        if {i for _, i in slots} != set(range(n)):
            return None
        out.append((sql, list(params), slots))
    return out


def compiled_owner_statements(state: PipelineSummaryState, ids: list[int], *, kinds: tuple[str, ...],
                              norms: dict[str, float]) -> list[tuple[str, list]]:
    """``_owner_statements`` from the compiled cache (see above); ``ids`` sorted and distinct."""
    tenant = current_tenant()
    if not 0 < len(ids) <= _COMPILED_OWNERS:
        return _owner_statements(state, ids, kinds=kinds, norms=norms)
    key = (connection.alias, tenant.pk, tenant.fiscal_year_start_month, state.as_of, state.period,  # state: tenant's
           kinds, tuple(norms.items()), FxRate.objects.exists(), len(ids),
           timezone.get_current_timezone_name())  # the stuck rows' `changed_at__date` converts in it
    with _compiled_lock:
        template = _compiled.get(key)
        if template is not None:
            _compiled.move_to_end(key)
    if template is None:
        template = _template(_owner_statements(state, [_STAND_IN + i for i in range(len(ids))], kinds=kinds,
                                               norms=norms), len(ids))
        if template is None:
            return _owner_statements(state, ids, kinds=kinds, norms=norms)
        with _compiled_lock:
            _compiled[key] = template
            while len(_compiled) > _COMPILED_MAX:
                _compiled.popitem(last=False)
    statements = []
    for sql, params, slots in template:
        params = list(params)
        for pos, i in slots:
            params[pos] = ids[i]
        statements.append((sql, params))
    return statements


def compiled_statements_clear() -> None:
    """Forget every compiled statement (tests compare a cached refresh with an uncached one)."""
    with _compiled_lock:
        _compiled.clear()


def _replace_panels(*, state: PipelineSummaryState) -> None:
    """Replace every owner's panel rows."""
    PipelinePanelSummary.objects.all().delete()
    _insert_panels(Opportunity.objects.all(), state=state, kinds=("flow", "stuck", "slipped"))


def _refresh_owners(state: PipelineSummaryState, ids: list[int], *, norms: bool) -> None:
    """Replace the summary, roll-up and panel rows of the owners ``ids`` (compiled statements); with
    ``norms``, recompute the stage norms first — new norms change who is stuck anywhere, so then every
    owner's stuck rows are replaced too."""
    if norms:
        _refresh_norms()
    if ids:
        kinds = ("flow", "slipped") if norms else ("flow", "stuck", "slipped")
        cells, *panels = compiled_owner_statements(state, ids, kinds=kinds,
                                                   norms={} if norms else _stored_norms())
        PipelineSummary.objects.filter(owner_id__in=id_set(ids)).delete()
        _replace_rollups(ids, _run_cells_insert(*cells))
        PipelinePanelSummary.objects.filter(owner_id__in=id_set(ids)).delete()
        _run(panels)
    if norms:
        PipelinePanelSummary.objects.filter(kind="stuck").delete()
        _insert_panels(Opportunity.objects.all(), state=state, kinds=("stuck",))


def _norms_sql() -> dict[str, tuple[float, int]]:
    """PostgreSQL: ``inspection.stage_norms`` of ``inspection.stage_stays`` in one statement (a
    window over the tenant's stage changes, percentile_cont = pandas' linear quantile), so an
    import's refresh does not pull a million stage changes into Python."""
    table = StageChange._meta.db_table
    sql = (
        f"SELECT to_stage, percentile_cont(%s) WITHIN GROUP (ORDER BY days), count(*) FROM ("
        f"  SELECT to_stage, EXTRACT(EPOCH FROM (LEAD(changed_at) OVER (PARTITION BY opportunity_id "
        f"  ORDER BY changed_at, id) - changed_at)) / 86400.0 AS days FROM {table} WHERE tenant_id = %s) stays "
        f"WHERE days IS NOT NULL GROUP BY to_stage HAVING count(*) >= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [NORM_QUANTILE, current_tenant().pk, MIN_STAYS])
        return {stage: (round(float(days), 1), int(n)) for stage, days, n in cursor.fetchall()}


def _refresh_norms() -> None:
    """Stage norms from the whole stage history, replaced in one go (imports and the roll)."""
    norms = _norms_sql() if connection.vendor == "postgresql" else stage_norms(with_counts=True)
    PipelineStageNorm.objects.all().delete()
    PipelineStageNorm.objects.bulk_create([
        PipelineStageNorm(tenant=current_tenant(), stage=stage, norm_days=days, stays=stays)
        for stage, (days, stays) in norms.items()
    ])


def pipeline_summaries_refresh(*, owner_ids: Iterable[int] | None = None, norms: bool = False) -> bool:
    """Keep the summary exact after deal writes of the current transaction (see module docstring).

    Inputs: the ids of the owners whose deals were created, changed, closed or deleted (old and
    new owner on a reassignment), or None for all. Effects: their summary rows replaced; the
    dirty mark of this transaction cleared. Returns whether the summary was maintained.
    Idempotent: running it twice leaves the same rows.
    """
    state = _locked_state()
    if state is None or state.stale or state.dirty_xid not in (None, _xid()):
        return False
    if owner_ids is None:
        PipelineSummary.objects.all().delete()
        _replace_rollups(None, _insert_rows(Opportunity.objects.all(), state=state))
        if norms:
            _refresh_norms()
        _replace_panels(state=state)
    else:
        _refresh_owners(state, sorted({int(i) for i in owner_ids if i is not None}), norms=norms)
    state.dirty_xid = None
    state.refreshed_at = timezone.now()
    state.save(update_fields=["dirty_xid", "refreshed_at"])
    return True


def pipeline_summaries_rebuild(*, as_of: date | None = None) -> PipelineSummaryState:
    """Rebuild the tenant's summary (and stage norms) as of ``as_of`` (default today) for its
    fiscal quarter. Set-based: one DELETE and one INSERT … SELECT over the tenant's deals."""
    tenant = current_tenant()
    as_of = as_of or timezone.localdate()
    PipelineSummaryState.objects.bulk_create(
        [PipelineSummaryState(tenant=tenant, as_of=as_of, period="", stale=True, refreshed_at=timezone.now())],
        ignore_conflicts=True,
    )
    state = _locked_state()
    state.as_of = as_of
    state.period = quarter_key(as_of, tenant.fiscal_year_start_month)
    PipelineSummary.objects.all().delete()
    _replace_rollups(None, _insert_rows(Opportunity.objects.all(), state=state))
    _refresh_norms()
    _replace_panels(state=state)
    state.stale, state.dirty_xid, state.refreshed_at = False, None, timezone.now()
    state.save(update_fields=["as_of", "period", "stale", "dirty_xid", "refreshed_at"])
    return state


def summary_version(*, as_of: date, period: str, filters: PipelineFilters | None) -> tuple | None:
    """When the summary holds this view (same day and period, clean, no product filter): what
    changes with anything the page shows — the summary's last refresh (every deal write) and the
    newest audit event (seller, quota and setting changes are audited) — else None. One query."""
    if not summaries_enabled() or (filters is not None and filters.product):
        return None
    from spm.models import AuditEvent

    return (PipelineSummaryState.objects.filter(as_of=as_of, period=period, stale=False, dirty_xid__isnull=True)
            .annotate(audit=Subquery(AuditEvent.objects.order_by("-id").values("id")[:1]))
            .values_list("refreshed_at", "audit").first())


def summary_serves(*, as_of: date, period: str, filters: PipelineFilters | None) -> bool:
    """Whether the summary holds this view (see ``summary_version``)."""
    return summary_version(as_of=as_of, period=period, filters=filters) is not None


def _in_scope(qs, *, access: TenantAccess, filters: PipelineFilters):
    """Summary rows of the visible owners narrowed by the owner and segment filters (team and
    region are filtered on the resolved values by the callers)."""
    ids = visible_seller_ids(access)
    if ids is not None:
        qs = qs.filter(owner_id__in=id_set(ids))
    if filters.owner_ids:
        qs = qs.filter(owner_id__in=filters.owner_ids)
    if filters.segment:
        qs = qs.filter(owner_id__in=Subquery(seller_list(access=access).filter(segment=filters.segment).values("id")))
    return qs


def summary_cells(*, access: TenantAccess, as_of: date, period: str, filters: PipelineFilters | None = None,
                  attrs: dict[int, tuple[str, str]] | None = None, served: bool | None = None) -> pd.DataFrame | None:
    """The cell frame of ``selectors.metric_cells`` (with ``in_period`` for ``period``) for the
    viewer's scope and filters, from the summary rows; None when the summary cannot serve it.
    ``attrs``: ``selectors.owner_attrs`` when the caller has it already; ``served``: whether the
    summary serves the view when the caller has read ``summary_version`` already (else read here)."""
    if not (summary_serves(as_of=as_of, period=period, filters=filters) if served is None else served):
        return None
    f = filters or PipelineFilters()
    qs = _in_scope(PipelineSummary.objects.all(), access=access, filters=f)
    # A plain cursor: tens of thousands of rows skip the ORM's per-row conversion (same values).
    sql, params = qs.order_by().values_list(*COLUMNS).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    cells = cells_frame(rows, attrs if attrs is not None else owner_attrs(access=access))
    # Team and region filter on the resolved value (the deal's own, else its owner's), as the exact path.
    if f.team:
        cells = cells[cells["team"] == f.team]
    if f.region:
        cells = cells[cells["region"] == f.region]
    return cells.reset_index(drop=True)


def _rows(qs: QuerySet) -> list[tuple]:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _int_lists(texts: list[str], width: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows' flat integer lists (``PipelineOwnerRollup``) parsed in one numpy call: an array
    of ``width`` columns and, per array row, the index of the text it came from."""
    lengths = [t.count(" ") // width + 1 if t else 0 for t in texts]
    values = np.fromstring(" ".join(t for t in texts if t), dtype=np.int64, sep=" ")  # text mode: C speed
    return values.reshape(-1, width), np.repeat(np.arange(len(texts)), lengths)


def _medians_of(keys: np.ndarray, which: np.ndarray, cy: np.ndarray, weights: np.ndarray) -> dict:
    """Median cycle per value of ``keys`` (one per roll-up row) over the histogram entries of the
    rows ``which``: grouped on the rows' integer codes, not on thousands of repeated strings."""
    codes, uniques = pd.factorize(keys)
    names = uniques.tolist()
    return {names[c]: m for c, m in metrics.grouped_weighted_median(codes[which], cy, weights).items()}


def summary_report(*, access: TenantAccess, as_of: date, period: str, filters: PipelineFilters | None,
                   sellers: list[SellerRef], owner_limit: int | None = None,
                   served: bool | None = None) -> tuple[dict, dict] | None:
    """(the ``metrics.report`` document, ``selectors.period_money``) of the view from the owners'
    roll-up rows (``PipelineOwnerRollup``: one per owner and own team / region, two queries with
    the state check): totals per owner, team and region vectorised; the medians of owners, teams,
    regions and overall from the merged cycle-length histograms in one numpy pass; aging, close
    months and period money summed.

    None — the caller takes the cell path — when the summary does not serve the view, with a
    team or region filter (they filter on each deal's resolved value), or when a row's owner is
    not one of ``sellers`` or two sellers share a key. Equal to ``report(summary_cells(…))``: the
    tests compare both with the exact computation. ``owner_limit``: ``by_owner`` holds only that
    many owners, the largest open pipelines (``metrics.top_owners``), and only their blocks are
    built (a page shows the top of thousands). ``served``: as ``summary_cells``."""
    f = filters or PipelineFilters()
    if f.team or f.region:
        return None
    if not (summary_serves(as_of=as_of, period=period, filters=filters) if served is None else served):
        return None
    of_seller = {ref.id: ref for ref in sellers}
    if len({ref.email for ref in sellers}) != len(sellers):
        return None
    scope = _in_scope(PipelineOwnerRollup.objects.all(), access=access, filters=f).order_by()
    rows = _rows(scope.values_list(*ROLLUP_COLUMNS))
    cols = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in ROLLUP_COLUMNS]
    owner, own_team, own_region = cols[0], cols[1], cols[2]
    if not of_seller.keys() >= set(owner):
        return None
    won_n, lost_n, open_n, won_cents, open_cents = (np.array(c, dtype="int64") for c in cols[3:8])
    # Teams and regions resolved: each deal's own, else its owner's.
    team = np.array([t or of_seller[o].team for o, t in zip(owner, own_team, strict=True)], dtype=object)
    region = np.array([r or of_seller[o].region for o, r in zip(owner, own_region, strict=True)], dtype=object)
    owner_ids = np.array(owner, dtype="int64")
    # The cycle histograms merged: (row, days, count) triples, grouped by owner, team, region.
    pairs, which = _int_lists(cols[12], 2)
    cy, weights = pairs[:, 0].astype("float64"), pairs[:, 1]
    totals = {"won": won_n, "lost": lost_n, "open_": open_n, "bookings": won_cents, "open_cents": open_cents}
    overall = metrics.blocks_of(np.zeros(len(owner), dtype="int64"), **totals,
                                medians={0: metrics.weighted_median(cy, weights)})
    listed, shown, shown_cy = sellers, slice(None), slice(None)
    if owner_limit is not None:
        open_by = dict.fromkeys(of_seller, 0)
        for o, cents in zip(owner, cols[7], strict=True):
            open_by[o] += int(cents)
        keys = set(metrics.top_owner_keys(((ref.email, open_by[ref.id]) for ref in sellers), owner_limit))
        listed = [ref for ref in sellers if ref.email in keys]
        shown = np.isin(owner_ids, [ref.id for ref in listed])
        shown_cy = shown[which]
    owners = metrics.blocks_of(owner_ids[shown], **{k: v[shown] for k, v in totals.items()},
                               medians=metrics.grouped_weighted_median(owner_ids[which][shown_cy], cy[shown_cy],
                                                                       weights[shown_cy]))
    by_owner = {ref.email: metrics.zero_metrics() for ref in listed}
    by_owner.update((of_seller[o].email, m) for o, m in owners.items())
    by_team, by_region = (
        metrics.blocks_of(resolved, **totals, medians=_medians_of(resolved, which, cy, weights),
                          zero_keys={getattr(ref, column) for ref in sellers if getattr(ref, column)})
        for column, resolved in (("team", team), ("region", region))
    )
    aging_cells, _ = _int_lists(cols[10], 3)  # bucket index, count, cents
    aging = {}
    for i, name in enumerate(metrics.BUCKET_NAMES):
        mine = aging_cells[aging_cells[:, 0] == i]
        aging[name] = {"count": int(mine[:, 1].sum()), "amount": metrics.money(int(mine[:, 2].sum()))}
    month_cells, _ = _int_lists(cols[11], 3)  # yyyymm, count, cents
    months, at = np.unique(month_cells[:, 0], return_inverse=True)
    month_cents = np.zeros(len(months), dtype="int64")
    np.add.at(month_cents, at, month_cells[:, 2])  # integer sums: exact
    money = {"pipeline": int(sum(cols[8])), "booked": int(sum(cols[9]))}
    doc = {
        "as_of": as_of.isoformat(),
        "overall": overall.get(0, metrics.zero_metrics()),
        "by_region": {k: v for k, v in sorted(by_region.items()) if k != ""},
        "by_team": {k: v for k, v in sorted(by_team.items()) if k != ""},
        "by_owner": dict(sorted(by_owner.items())),
        "bookings_by_quarter": metrics.quarters_of_months(
            ((date(m // 100, m % 100, 1), c) for m, c in zip(months.tolist(), month_cents.tolist(), strict=True)),
            access.tenant.fiscal_year_start_month),
        "aging": aging,
    }
    return doc, money


def panel_totals(kinds: tuple[str, ...], *, access: TenantAccess, filters: PipelineFilters | None, as_of: date | None = None,
                 window: tuple[date, date] | None = None) -> list[dict] | None:
    """The panel rows of ``kinds`` summed over the viewer's scope and filters (team and region
    resolved as the deal query does), grouped by the flow columns — or None when the summary does
    not hold them: not clean, a product filter, another day (``as_of``, stuck and slipped) or
    another flow window (``window``, flow). Two queries (the state, the sums)."""
    if not summaries_enabled() or (filters is not None and filters.product):
        return None
    state = PipelineSummaryState.objects.filter(stale=False, dirty_xid__isnull=True).values_list("as_of", "period").first()
    if state is None or (as_of is not None and as_of != state[0]):
        return None
    if window is not None and window != default_flow_window(*state, access.tenant.fiscal_year_start_month):
        return None
    f = filters or PipelineFilters()
    qs = _in_scope(PipelinePanelSummary.objects.filter(kind__in=kinds), access=access, filters=f)
    if f.team:
        qs = qs.alias(_team=TEAM).filter(_team=f.team)
    if f.region:
        qs = qs.alias(_region=REGION).filter(_region=f.region)
    return list(qs.values("kind", "state_start", "state_end", "created_in")
                .annotate(n=Sum("n"), cents=Sum("amount_cents")).order_by())


def summary_flow_cells(*, access: TenantAccess, start: date, end: date, filters: PipelineFilters | None):
    """The flow cell frame of ``selectors.flow_cells`` from the panel rows, or None (``panel_totals``)."""
    rows = panel_totals(("flow",), access=access, filters=filters, window=(start, end))
    if rows is None:
        return None
    return flow_frame([(r["state_start"], r["state_end"], bool(r["created_in"]), int(r["n"]), int(r["cents"]))
                       for r in rows])


def summary_risk_totals(*, access: TenantAccess, as_of: date, filters: PipelineFilters | None) -> dict | None:
    """``{"stuck": (count, cents), "slipped": (count, cents)}`` from the panel rows, or None."""
    rows = panel_totals(("stuck", "slipped"), access=access, filters=filters, as_of=as_of)
    if rows is None:
        return None
    return {kind: (sum(int(r["n"]) for r in rows if r["kind"] == kind), sum(int(r["cents"]) for r in rows if r["kind"] == kind))
            for kind in ("stuck", "slipped")}


def stored_stage_norms() -> dict[str, float] | None:
    """``{stage: norm days}`` stored by the last roll or import, or None when the tenant has none yet."""
    if not PipelineSummaryState.objects.exists():
        return None
    return dict(PipelineStageNorm.objects.order_by("stage").values_list("stage", "norm_days"))


def summary_serves_or_roll(*, access: TenantAccess, as_of: date, period: str,
                           filters: PipelineFilters | None) -> tuple | None:
    """``summary_version``; when the summary does not serve the view but it is today's default
    (rows of another day, or dirty), schedule one roll of the tenant (at most one per tenant and
    day every 10 minutes) so the next reads are served — this read takes the exact path."""
    version = summary_version(as_of=as_of, period=period, filters=filters)
    if version is not None:
        return version
    tenant = access.tenant
    if (summaries_enabled() and not (filters and filters.product) and as_of == timezone.localdate()
            and period == quarter_key(as_of, tenant.fiscal_year_start_month)
            and cache.add(f"pipeline:summary-roll:{tenant.pk}:{as_of.isoformat()}", 1, 600)):
        from performance.tasks import pipeline_summaries_roll

        transaction.on_commit(lambda: pipeline_summaries_roll.delay(tenant_id=tenant.pk, as_of=as_of.isoformat()))
    return None
