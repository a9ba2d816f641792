"""Reads for forecasting: the recorded history as frames, the human call and its roll-up, targets.

Visibility composes `planning.selectors.visible_seller_ids`: reps see their own call, managers their
subtree, tenant-wide roles everything. Money is converted to the tenant currency at the rate in
force on the row's date (`FxRate`, 1 unit = rate_to_base base units).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from performance.forecasting import engine
from performance.forecasting.models import ForecastOverride, ForecastSubmission, WinModelRun
from performance.models import Opportunity, OpportunityHistory, PipelineStage
from performance.pipeline.selectors import quota_total_cents
from planning.selectors import (
    restrict_to_visible,
    seller_list,
    seller_rows,
    seller_tree,
    subtree_ids,
    visible_seller_ids,
)
from spm.caching import cached_value
from spm.fiscal import parse_period_key, quota_period_key
from spm.models import FxRate
from spm.tenancy.context import current_tenant

if TYPE_CHECKING:
    from planning.models import Seller
    from spm.tenancy.access import TenantAccess


# ------------------------------------------------------------------ periods


def period_of(day: dt.date) -> str:
    """The fiscal quarter key ("2027-Q1") holding ``day`` for the tenant in scope."""
    return quota_period_key(day, "quarter", current_tenant().fiscal_year_start_month)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    start, end, _ = parse_period_key(period, current_tenant().fiscal_year_start_month)
    return start, end


def backtest_key(period: str) -> str:
    """"2027-Q1" → "2027Q1" (the backtest's and pipeline metrics' spelling)."""
    return period.replace("-", "")


# ------------------------------------------------------------------ money


def fx_table() -> pd.DataFrame:
    rows = list(FxRate.objects.values_list("currency", "effective_from", "rate_to_base"))
    frame = pd.DataFrame(rows, columns=["currency", "effective_from", "rate"])
    frame["effective_from"] = pd.to_datetime(frame["effective_from"])
    frame["rate"] = frame["rate"].astype(float)
    return frame.sort_values("effective_from")


def to_base(amounts: np.ndarray, currencies: np.ndarray, dates: pd.Series, fx: pd.DataFrame, base: str) -> np.ndarray:
    """Convert each amount at the rate of its currency in force on its date.

    Before a currency's first rate, its first rate applies; a currency with no rate at all is
    taken at par (the tenant has not told us better, and the pages show the tenant currency).
    """
    amounts = np.asarray(amounts, dtype=float)
    currencies = np.asarray(currencies).astype(str)
    out = amounts.copy()
    foreign = currencies != base
    if not foreign.any() or fx.empty:
        return out
    frame = pd.DataFrame({"i": np.nonzero(foreign)[0], "currency": currencies[foreign],
                          "date": pd.to_datetime(pd.Series(dates).to_numpy()[foreign])})
    frame["date"] = frame["date"].fillna(pd.Timestamp.today().normalize())
    frame = frame.sort_values("date")
    merged = pd.merge_asof(frame, fx, left_on="date", right_on="effective_from", by="currency", direction="backward")
    first = fx.drop_duplicates("currency", keep="first").set_index("currency")["rate"]
    rate = merged["rate"].fillna(merged["currency"].map(first)).fillna(1.0).to_numpy()
    out[merged["i"].to_numpy()] = amounts[merged["i"].to_numpy()] * rate
    return out


# ------------------------------------------------------------------ the recorded history


def history_frames(*, seller_ids: set[int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(history, deals)`` frames of the engine for the tenant in scope (two queries).

    ``seller_ids`` limits both to deals currently owned by those sellers (None: every deal).
    """
    tenant = current_tenant()
    deals_qs = Opportunity.objects.all()
    hist_qs = OpportunityHistory.objects.all()
    if seller_ids is not None:
        deals_qs = deals_qs.filter(owner_id__in=seller_ids)
        hist_qs = hist_qs.filter(opportunity__owner_id__in=seller_ids)
    deals = pd.DataFrame(
        list(deals_qs.values_list("id", "created_date", "deal_type", "is_won", "is_closed", "close_date", "amount",
                                  "currency", "owner_id")),
        columns=["opp", "created_date", "deal_type", "is_won", "is_closed", "close_date", "amount", "currency",
                 "owner"],
    )
    history = pd.DataFrame(
        list(hist_qs.values_list("opportunity_id", "as_of", "stage", "amount", "currency", "close_date", "owner_id",
                                 "is_closed", "is_won")),
        columns=["opp", "as_of", "stage", "amount", "currency", "close_date", "owner", "is_closed", "is_won"],
    )
    fx = fx_table()
    for frame in (deals, history):
        for col in ("created_date", "close_date", "as_of"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col])
        # At the rate in force on the close date (a snapshot without one: on its day), as the pipeline
        # converts (``pipeline.selectors.base_amount``): the forecast's open amount is the pipeline page's.
        on = frame["close_date"].fillna(frame["as_of"]) if "as_of" in frame else frame["close_date"]
        frame["amount"] = to_base(frame["amount"].astype(float).to_numpy(), frame["currency"].to_numpy(),
                                  on, fx, tenant.base_currency)
        for col in ("is_won", "is_closed"):
            frame[col] = frame[col].astype(bool)
    return history, deals


def pipeline_stages() -> list[dict]:
    """The tenant's stages in order: ``name``, ``probability`` (Decimal or None), ``is_closed``, ``is_won``."""
    return list(PipelineStage.objects.order_by("position", "name").values("name", "probability", "is_closed", "is_won"))


def stages_without_probability() -> list[str]:
    """Open stages with no probability set: the weighted forecast counts their deals at 0."""
    return list(PipelineStage.objects.filter(is_closed=False, probability__isnull=True)
                .order_by("position", "name").values_list("name", flat=True))


def stage_probability_map() -> dict[str, float]:
    """Stage name → the tenant's probability (0..1); closed stages: won 1, lost 0 when unset."""
    out = {}
    for name, probability, is_closed, is_won in PipelineStage.objects.values_list(
            "name", "probability", "is_closed", "is_won"):
        if probability is not None:
            out[name] = float(probability)
        elif is_closed:
            out[name] = 1.0 if is_won else 0.0
    return out


# ------------------------------------------------------------------ the human call


def _latest_submissions(period: str, as_of: dt.datetime | None = None):
    qs = ForecastSubmission.objects.filter(period=period)
    if as_of is not None:
        qs = qs.filter(submitted_at__lte=as_of)
    latest = qs.filter(seller_id=OuterRef("seller_id")).order_by("-submitted_at", "-id").values("id")[:1]
    return qs.filter(id=Subquery(latest))


def _standing_overrides(period: str, as_of: dt.datetime | None = None):
    qs = ForecastOverride.objects.filter(period=period)
    if as_of is None:
        return qs.filter(removed_at__isnull=True)
    return qs.filter(created_at__lte=as_of).exclude(removed_at__lte=as_of).order_by("seller_id", "created_at")


def _parents() -> dict[int, int | None]:
    """seller id -> manager id for the tenant in scope (one query, through Plan's read contract)."""
    return {sid: mid for sid, mid, _ in seller_rows()}


def calls_as_of(period: str, as_of: dt.datetime | None = None) -> tuple[dict, dict, dict]:
    """``(parent, calls, overrides)`` for the engine's roll-up: commit and best case per seller."""
    parent = _parents()
    calls = {row["seller_id"]: (float(row["commit"]), float(row["best_case"]))
             for row in _latest_submissions(period, as_of).values("seller_id", "commit", "best_case")}
    overrides = {row["seller_id"]: (float(row["commit"]), float(row["best_case"]))
                 for row in _standing_overrides(period, as_of).values("seller_id", "commit", "best_case")}
    return parent, calls, overrides


def human_call_history(periods: list[str], *, roots: list[int] | None = None, week: int = 7) -> dict[str, float | None]:
    """The commit for each period as it stood one week into it (``week`` days); three queries in all.

    The backtest compares it with the system forecasts made on the quarter's first day; reps
    submit weekly, so the first week's call is the human call "at the start of the quarter".
    ``roots`` (a manager's top nodes) gives their call instead of the company's.
    """
    parent = _parents()
    submissions = list(ForecastSubmission.objects.filter(period__in=periods).order_by("submitted_at", "id")
                       .values_list("period", "seller_id", "commit", "submitted_at"))
    overrides = list(ForecastOverride.objects.filter(period__in=periods).order_by("created_at", "id")
                     .values_list("period", "seller_id", "commit", "created_at", "removed_at"))
    below = subtree_ids(roots, seller_tree()) if roots is not None else None
    out: dict[str, float | None] = {}
    for period in periods:
        start, _ = period_bounds(period)
        cutoff = timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=week), dt.time.min))
        calls = {seller: float(commit) for p, seller, commit, at in submissions if p == period and at <= cutoff}
        standing = {seller: float(commit) for p, seller, commit, at, removed in overrides
                    if p == period and at <= cutoff and (removed is None or removed > cutoff)}
        if below is None:
            out[backtest_key(period)] = engine.company_call(parent, calls, standing)
            continue
        if not any(k in below for k in calls) and not any(k in below for k in standing):
            out[backtest_key(period)] = None
            continue
        tree = engine.rollup_calls(parent, calls, standing)
        out[backtest_key(period)] = sum(tree.get(r, {"call": 0.0})["call"] for r in roots)
    return out


def forecast_rollup(*, access: TenantAccess, period: str) -> list[dict]:
    """One row per visible seller with their own call, their subtree's roll-up and any override.

    Rows (by name): ``seller`` (Seller), ``own``/``rollup``/``override``/``call`` for
    commit and best case, ``submitted_at`` of their latest submission, ``override_id``.
    """
    parent, calls, overrides = calls_as_of(period)
    commit = engine.rollup_calls(parent, {k: v[0] for k, v in calls.items()}, {k: v[0] for k, v in overrides.items()})
    best = engine.rollup_calls(parent, {k: v[1] for k, v in calls.items()}, {k: v[1] for k, v in overrides.items()})
    sellers = seller_list(access=access).order_by("name")
    submitted = dict(_latest_submissions(period).values_list("seller_id", "submitted_at"))
    override_ids = dict(_standing_overrides(period).values_list("seller_id", "id"))
    rows = []
    for seller in sellers:
        c = commit.get(seller.pk, {"own": 0.0, "rollup": 0.0, "override": None, "call": 0.0})
        b = best.get(seller.pk, {"own": 0.0, "rollup": 0.0, "override": None, "call": 0.0})
        rows.append({"seller": seller, "commit": c, "best_case": b, "submitted_at": submitted.get(seller.pk),
                     "override_id": override_ids.get(seller.pk),
                     "is_manager": any(p == seller.pk for p in parent.values())})
    return rows


def viewer_roots(access: TenantAccess) -> list[int] | None:
    """The top nodes of what the viewer sees: their own sellers, or None for the whole tenant."""
    visible = visible_seller_ids(access)
    if visible is None:
        return None
    return [sid for sid, mid in _parents().items() if sid in visible and mid not in visible]


def submission_list(*, access: TenantAccess, period: str | None = None):
    qs = ForecastSubmission.objects.select_related("seller", "submitted_by")
    qs = restrict_to_visible(qs, access)
    if period:
        qs = qs.filter(period=period)
    return qs


def override_list(*, access: TenantAccess, period: str | None = None, standing: bool = True):
    qs = ForecastOverride.objects.select_related("seller", "created_by")
    qs = restrict_to_visible(qs, access)
    if period:
        qs = qs.filter(period=period)
    if standing:
        qs = qs.filter(removed_at__isnull=True)
    return qs


def override_get(*, access: TenantAccess, pk: int) -> ForecastOverride | None:
    return override_list(access=access, standing=False).filter(pk=pk).first()


def may_override(access: TenantAccess, seller: Seller) -> bool:
    """Managers override the nodes of their own subtree that have reports; tenant-wide roles any."""
    if access.role in ("revops", "admin"):
        return True
    if access.role != "manager":
        return False
    ids = visible_seller_ids(access)
    return ids is not None and seller.pk in ids


def may_submit(access: TenantAccess, seller: Seller) -> bool:
    """A rep or manager submits their own call; RevOps/admin may enter one for anyone."""
    if access.role in ("revops", "admin"):
        return True
    from planning.selectors import viewer_sellers

    return seller.pk in {s.pk for s in viewer_sellers(access)}


# ------------------------------------------------------------------ system forecasts now


def latest_win_model() -> WinModelRun | None:
    return WinModelRun.objects.filter(status=WinModelRun.Status.SUCCEEDED).defer("estimator").first()


def latest_win_model_estimator():
    run = WinModelRun.objects.filter(status=WinModelRun.Status.SUCCEEDED).first()
    if run is None or not run.estimator:
        return None
    import joblib

    return joblib.load(io.BytesIO(bytes(run.estimator)))


def system_forecasts(*, access: TenantAccess, period: str, today: dt.date | None = None,
                     frames: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> dict:
    """Weighted, conversion and model forecasts of ``period`` for the viewer's deals, as of today.

    Returns floats in the tenant currency: ``booked`` (already won in the period), the three
    forecasts (``model`` None without a trained model), ``open_deals``, ``open_amount``.
    """
    today = today or timezone.localdate()
    start, end = period_bounds(period)
    history, deals = frames if frames is not None else history_frames(seller_ids=visible_seller_ids(access))
    if history.empty:
        return {"booked": 0.0, "weighted": 0.0, "stage_conversion": 0.0, "model": None, "open_deals": 0,
                "open_amount": 0.0}
    made = engine.forecast_period(history=history, deals=deals, day=today, start=start, end=end,
                                  probabilities=stage_probability_map(), model=False)
    estimator = latest_win_model_estimator()
    if estimator is not None:
        state = engine.state_as_of(history, today)
        open_state = state[engine.in_period(state, start, end) & ~state["is_closed"]]
        rows = open_state.merge(deals[["opp", "created_date", "deal_type"]], on="opp", how="left")
        if len(rows):
            p = estimator.predict_proba(engine.model_features(rows, as_of=pd.Series(pd.Timestamp(today), index=rows.index)))[:, 1]
            made["model"] = made["booked"] + float((rows["amount"].to_numpy(dtype=float) * p).sum())
        else:
            made["model"] = made["booked"]
    return made


def weighted_by_month(*, access: TenantAccess, months: int = 6, today: dt.date | None = None) -> list[dict]:
    """The weighted pipeline of the viewer's scope per close month (the next ``months``), from
    the deals' current state: the same numpy refresh `manage.py bench` times over 1M open deals.

    Rows ``{"month": date, "weighted": float, "open": float}``; one query for the deals, one for
    the stages, one for the hierarchy; deals with no close date are left out (no month to go in).
    """
    today = today or timezone.localdate()
    qs = Opportunity.objects.filter(is_closed=False, close_date__isnull=False)
    visible = visible_seller_ids(access)
    if visible is not None:
        qs = qs.filter(owner_id__in=visible)
    rows = list(qs.values_list("owner_id", "stage", "amount", "currency", "close_date"))
    first = np.datetime64(today.replace(day=1), "M")
    labels = [first + i for i in range(months)]
    if not rows:
        return [{"month": m.astype("datetime64[D]").item(), "weighted": 0.0, "open": 0.0} for m in labels]
    owners, stages, amounts, currencies, closes = zip(*rows, strict=True)
    close = np.array(closes, dtype="datetime64[D]")
    base = to_base(np.array(amounts, dtype=float), np.array(currencies), pd.Series(close), fx_table(),
                   current_tenant().base_currency)
    parent = {0: None}  # one synthetic root: the viewer's scope as a whole
    parent.update({int(o): 0 for o in set(owners)})
    owner_ids = np.array(owners, dtype=np.int64)
    weighted = engine.weighted_pipeline(owner_ids, np.array(stages, dtype=object), base, close,
                                        stage_probability_map(), parent)
    unweighted = engine.weighted_rollup(owner_ids, close.astype("datetime64[M]"), base, parent)
    def by_month(frame: pd.DataFrame) -> pd.Series:
        top = frame[frame["seller"] == 0]
        return pd.Series(top["total"].to_numpy(), index=pd.DatetimeIndex(top["month"]).strftime("%Y-%m"))

    top, top_open = by_month(weighted), by_month(unweighted)
    return [{"month": m.astype("datetime64[D]").item(), "weighted": float(top.get(str(m), 0.0)),
             "open": float(top_open.get(str(m), 0.0))} for m in labels]


def target_for(*, access: TenantAccess, period: str) -> Decimal:
    """Bookings quota of the visible sellers for the quarter: the pipeline page's and the scorecards'
    (``pipeline.selectors.quota_total_cents``: ramp-adjusted, month rows or a share of the quarter's
    or year's, never both; a manager's roll-up left out when their reports are counted)."""
    cents = quota_total_cents(access=access, period=period)
    return Decimal(cents or 0) / 100


def actual_for(*, access: TenantAccess, period: str) -> float:
    start, end = period_bounds(period)
    qs = Opportunity.objects.filter(is_won=True, close_date__gte=start, close_date__lte=end)
    ids = visible_seller_ids(access)
    if ids is not None:
        qs = qs.filter(owner_id__in=ids)
    rows = list(qs.values_list("amount", "currency", "close_date"))
    if not rows:
        return 0.0
    amounts, currencies, dates = zip(*rows, strict=True)
    return float(to_base(np.array(amounts, dtype=float), np.array(currencies), pd.Series(pd.to_datetime(dates)),
                         fx_table(), current_tenant().base_currency).sum())


# ------------------------------------------------------------------ the backtest


def _money(x: float | None) -> str | None:
    return None if x is None else str(Decimal(repr(float(x))).quantize(Decimal("0.01")))


def _rate(x: float | None) -> float | None:
    return None if x is None else round(float(x), 6)


BACKTEST_CACHE_SECONDS = 300


_UNREAD = object()


def cache_version(model_id=_UNREAD) -> tuple:
    """Tenant, day, data version and trained model (`model_id`: the page's latest_win_model() id, or
    None, else read here): what a cached forecast figure depends on besides its own parts."""
    from performance.pipeline.selectors import data_version

    if model_id is _UNREAD:
        model_id = latest_win_model().pk if latest_win_model() else None
    return (current_tenant().pk, timezone.localdate(), data_version(), model_id)


def cached(kind: str, parts: tuple, compute, *, version: tuple | None = None):
    """``compute()``, kept 5 minutes per tenant, ``parts`` (the viewer's scope, the period), day and data
    version. The forecast page replays every past quarter (the backtest) and rates every open deal
    (the system forecasts): the same for every view until a deal, history row, stage change, audited
    write (a submitted call) or a new trained model changes it."""
    return cached_value("forecast", (kind, parts, version or cache_version()), compute, seconds=BACKTEST_CACHE_SECONDS)


def backtest_report(*, today: dt.date | None = None, model: bool = True, seller_ids: set[int] | None = None,
                    roots: list[int] | None = None, frames: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> dict:
    """The backtest as a JSON-ready dict (the command, the page and the API print this).

    ``{"tenant", "currency", "as_of", "quarters": [{"quarter", "start", "end", "forecast_date",
    "actual", "booked_at_start", "open_deals", "open_amount", "methods": {method: {"forecast",
    "error", "accuracy", "bias"}}, "model": {...}}], "summary": {method: {"quarters", "mape",
    "bias", "accuracy"}}, "best_method"}``. Money as decimal strings, rates as numbers (6 decimals).
    ``seller_ids``/``roots`` restrict it to a manager's subtree (deals owned in it; their call);
    ``frames`` are :func:`history_frames` of that same scope when the caller has read them already.
    """
    tenant = current_tenant()
    today = today or timezone.localdate()
    history, deals = frames if frames is not None else history_frames(seller_ids=seller_ids)
    report = {"tenant": tenant.slug, "currency": tenant.base_currency, "as_of": today.isoformat(),
              "methods": list(engine.METHODS), "quarters": [],
              "summary": {m: {"quarters": 0, "mape": None, "bias": None, "accuracy": None} for m in engine.METHODS},
              "best_method": None, "notes": []}
    missing = stages_without_probability()
    if missing:
        report["notes"].append(f"weighted: no probability is set for stage(s) {', '.join(missing)}; their deals "
                               f"count at 0 until RevOps sets one.")
    if history.empty:
        return report
    first = history["as_of"].min().date()
    last = history["as_of"].max().date()
    quarters = engine.past_quarters(first, today, tenant.fiscal_year_start_month, last)
    periods = [f"{k[:4]}-{k[4:]}" for k, _, _ in quarters]
    calls = human_call_history(periods, roots=roots if seller_ids is not None else None)
    results, summary = engine.backtest(history=history, deals=deals, probabilities=stage_probability_map(),
                                       quarters=quarters, human_calls=calls, model=model)
    for q in results:
        report["quarters"].append({
            "quarter": q.key, "start": q.start.isoformat(), "end": q.end.isoformat(),
            "forecast_date": q.start.isoformat(), "actual": _money(q.actual),
            "booked_at_start": _money(q.booked_at_start), "open_deals": q.open_deals,
            "open_amount": _money(q.open_amount),
            "methods": {m: {"forecast": _money(v["forecast"]), "error": _money(v["error"]),
                            "accuracy": _rate(v["accuracy"]), "bias": _rate(v["bias"])}
                        for m, v in q.methods.items()},
            "model": q.model,
        })
    report["summary"] = {m: {"quarters": v["quarters"], "mape": _rate(v["mape"]), "bias": _rate(v["bias"]),
                             "accuracy": _rate(v["accuracy"])} for m, v in summary.items()}
    report["best_method"] = engine.best_method(summary)
    return report


def subtree_of(seller_id: int) -> set[int]:
    return subtree_ids([seller_id], seller_tree())
