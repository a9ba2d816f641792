"""Forecasting maths (pure: pandas/numpy/scikit-learn, no Django), shared by pages, API, command and bench.

Frames
------
``history``: one row per recorded state of a deal — columns ``opp`` (int), ``as_of`` (datetime64),
``stage`` (str), ``amount`` (float, tenant currency), ``close_date`` (datetime64, NaT = unknown),
``owner`` (int), ``is_closed``, ``is_won`` (bool). "The state of a deal on day D" is its latest row
with ``as_of <= D`` (:func:`state_as_of`).
``deals``: one row per deal as it stands now — ``opp``, ``created_date`` (datetime64 or NaT),
``deal_type`` (str), ``is_won`` (bool), ``close_date``, ``amount`` (tenant currency).

The three system forecasts of a period [start, end] made on day D (the quarter start in a backtest):
every deal whose state at D is open with a close date inside the period counts with a win
probability p; deals already won at D with a close date inside the period count in full.

* ``weighted``: p = the tenant's probability of the deal's stage (``PipelineStage.probability``).
* ``stage_conversion``: p = the share of deals that were won among the deals *closed on or before
  D* that were once seen in the same stage at the same age bucket (days since creation:
  0-30, 31-90, 91-180, 181+, unknown); fewer than ``MIN_CELL`` such deals → the stage's rate over
  all ages; fewer still → the overall win rate. Nothing closed after D is used (no leakage).
* ``model``: p = a calibrated logistic regression (:func:`win_model_fit`) trained on the open
  snapshots of deals closed on or before D, labelled by their outcome.

Accuracy of a forecast F against actual bookings A (both in tenant currency):
``error = F − A``; ``accuracy = 1 − |F − A| / A``; ``bias = (F − A) / A`` (positive = over-called);
``accuracy`` and ``bias`` are null when A = 0. Over quarters: ``mape`` = mean of ``|F − A| / A``
and ``bias`` = mean of the quarters' biases, over quarters with A > 0 and a forecast.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from spm.fiscal import add_months, month_end

AGE_BUCKETS = ("0-30", "31-90", "91-180", "181+")
UNKNOWN_AGE = "unknown"
MIN_CELL = 5  # closed deals a (stage, age) cell needs before its own rate is trusted

# A model is only called informative with at least this much closed history and an AUC whose
# 95 % interval lies above 0.5.
MIN_MODEL_DEALS = 30
MIN_MODEL_CLASS = 10
MIN_TRAIN_DEALS = 10  # below this (or with one class only) no model is trained at all
WEAK_AUC = 0.65  # an interval above 0.5 but an AUC below this is called a weak signal


# ------------------------------------------------------------------ quarters


def fiscal_quarter(day: date, fy_start_month: int) -> tuple[str, date, date]:
    """``(key, start, end)`` of the fiscal quarter holding ``day``; key ``2017Q2`` (no hyphen)."""
    fy = day.year if day.month >= fy_start_month else day.year - 1
    idx = (day.month - fy_start_month) % 12 // 3
    sy, sm = add_months(fy, fy_start_month, 3 * idx)
    ey, em = add_months(sy, sm, 2)
    return f"{fy:04d}Q{idx + 1}", date(sy, sm, 1), month_end(ey, em)


def fiscal_quarters_between(first: date, last: date, fy_start_month: int) -> list[tuple[str, date, date]]:
    """Every fiscal quarter overlapping [first, last], in order."""
    out = []
    key, start, end = fiscal_quarter(first, fy_start_month)
    while start <= last:
        out.append((key, start, end))
        y, m = add_months(end.year, end.month, 1)
        key, start, end = fiscal_quarter(date(y, m, 1), fy_start_month)
    return out


def past_quarters(first_history: date, today: date, fy_start_month: int,
                  last_history: date | None = None) -> list[tuple[str, date, date]]:
    """Quarters a backtest can score: starting on or after the first recorded history (and, when
    given, on or before the last: a quarter after the data stops has nothing to forecast), ended before today."""
    return [q for q in fiscal_quarters_between(first_history, today, fy_start_month)
            if q[1] >= first_history and q[2] < today and (last_history is None or q[1] <= last_history)]


# ------------------------------------------------------------------ deal states


def _ts(day) -> pd.Timestamp:
    return pd.Timestamp(day)


def state_as_of(history: pd.DataFrame, day) -> pd.DataFrame:
    """Each deal's latest history row with ``as_of <= day`` (deals first seen later are absent)."""
    rows = history[history["as_of"] <= _ts(day)]
    return rows.sort_values(["opp", "as_of"], kind="stable").drop_duplicates("opp", keep="last")


def in_period(frame: pd.DataFrame, start, end) -> pd.Series:
    close = frame["close_date"]
    return close.notna() & (close >= _ts(start)) & (close <= _ts(end))


def age_buckets(age_days) -> np.ndarray:
    """Labels of :data:`AGE_BUCKETS` (both ends inclusive); NaN → ``unknown``."""
    age = np.asarray(age_days, dtype=float)
    out = np.full(age.shape, UNKNOWN_AGE, dtype=object)
    known = ~np.isnan(age)
    out[known & (age <= 30)] = "0-30"
    out[known & (age > 30) & (age <= 90)] = "31-90"
    out[known & (age > 90) & (age <= 180)] = "91-180"
    out[known & (age > 180)] = "181+"
    return out


def _age_days(as_of: pd.Series, created: pd.Series) -> np.ndarray:
    return ((as_of - created).dt.days).to_numpy(dtype=float, na_value=np.nan)


# ------------------------------------------------------------------ weighted pipeline


def stage_probabilities(stages: pd.Series, probabilities: Mapping[str, float]) -> np.ndarray:
    """The tenant probability of each stage name (unknown stage → 0)."""
    return stages.map(lambda s: float(probabilities.get(s, 0.0) or 0.0)).to_numpy(dtype=float)


def weighted_amounts(stage_codes: np.ndarray, amounts: np.ndarray, code_probabilities: np.ndarray) -> np.ndarray:
    """Vectorised weighting for large pipelines: ``amount × probability[stage code]``."""
    return amounts * code_probabilities[stage_codes]


def weighted_rollup(
    owners: np.ndarray, months: np.ndarray, weighted: np.ndarray, parent: Mapping[int, int | None],
) -> pd.DataFrame:
    """Weighted pipeline per (owner, month) rolled up the hierarchy, all in numpy.

    Returns rows ``(seller, month, own, total)`` for every (seller, month) with pipeline: ``own``
    the seller's own deals, ``total`` theirs plus everyone's below them. One ``bincount`` over the
    deals, then one vectorised ``add.at`` per level of the tree, deepest first (no per-deal loop,
    no per-seller Python; cycles in bad data are cut at 64 levels).
    """
    owners = np.asarray(owners, dtype=np.int64)
    months = np.asarray(months)
    if np.issubdtype(months.dtype, np.datetime64) and len(months):
        # Calendar months as integers: a subtraction instead of a hash-based factorize.
        as_int = months.astype("datetime64[M]").astype(np.int64)
        first = int(as_int.min())
        month_codes = as_int - first
        month_labels = np.arange(first, int(as_int.max()) + 1).astype("datetime64[M]")
    else:
        month_codes, month_labels = pd.factorize(months, sort=True)
    n_months = max(len(month_labels), 1)
    ids = [int(k) for k in parent] + [int(v) for v in parent.values() if v is not None]
    size = max([int(owners.max()) if len(owners) else 0, *ids]) + 1
    parent_arr = np.full(size, -1, dtype=np.int64)
    for child, boss in parent.items():
        if boss is not None:
            parent_arr[int(child)] = int(boss)
    own = np.bincount(owners * n_months + month_codes, weights=np.asarray(weighted, dtype=float),
                      minlength=size * n_months).reshape(size, n_months)
    depth = np.zeros(size, dtype=np.int64)
    cursor = parent_arr.copy()
    for _ in range(64):
        alive = cursor >= 0
        if not alive.any():
            break
        depth[alive] += 1
        cursor[alive] = parent_arr[cursor[alive]]
    total = own.copy()
    for level in range(int(depth.max()), 0, -1):
        nodes = np.nonzero(depth == level)[0]
        np.add.at(total, parent_arr[nodes], total[nodes])
    sellers, cols = np.nonzero((total != 0) | (own != 0))
    return pd.DataFrame({"seller": sellers, "month": np.asarray(month_labels)[cols] if len(month_labels) else [],
                         "own": own[sellers, cols], "total": total[sellers, cols]})


def weighted_pipeline(
    owners: np.ndarray, stages: np.ndarray, amounts: np.ndarray, close_dates: np.ndarray,
    probabilities: Mapping[str, float], parent: Mapping[int, int | None],
) -> pd.DataFrame:
    """The weighted-forecast refresh: open deals (stage names, ``datetime64`` close dates) →
    weighted amount per (owner, close month) → rolled up the hierarchy (:func:`weighted_rollup`)."""
    if isinstance(stages, pd.Categorical):  # frames read for the refresh keep stage names categorical
        codes, names = stages.codes, stages.categories
    else:
        codes, names = pd.factorize(np.asarray(stages))
    code_probabilities = np.array([float(probabilities.get(n, 0.0) or 0.0) for n in names], dtype=float)
    weighted = weighted_amounts(codes, np.asarray(amounts, dtype=float), code_probabilities)
    months = np.asarray(close_dates).astype("datetime64[M]")
    dated = ~np.isnat(months)  # an open deal with no close date cannot be placed in a month
    return weighted_rollup(np.asarray(owners)[dated], months[dated], weighted[dated], parent)


# ------------------------------------------------------------------ historical conversion


@dataclass
class ConversionTable:
    cells: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (stage, bucket) -> (won, n)
    stages: dict[str, tuple[int, int]] = field(default_factory=dict)
    overall: tuple[int, int] = (0, 0)

    def probability(self, stage: str, bucket: str) -> float:
        won, n = self.cells.get((stage, bucket), (0, 0))
        if n >= MIN_CELL:
            return won / n
        won, n = self.stages.get(stage, (0, 0))
        if n >= MIN_CELL:
            return won / n
        won, n = self.overall
        return won / n if n else 0.0


def closed_outcomes(history: pd.DataFrame, day) -> pd.Series:
    """``opp -> won`` for the deals whose state at ``day`` is closed (what was known at ``day``)."""
    state = state_as_of(history, day)
    closed = state[state["is_closed"].astype(bool)]
    return pd.Series(closed["is_won"].astype(bool).to_numpy(), index=closed["opp"].to_numpy())


def open_snapshots(history: pd.DataFrame, deals: pd.DataFrame, day, outcomes: pd.Series) -> pd.DataFrame:
    """The open history rows (as_of ≤ day) of the deals in ``outcomes``, with ``won`` and ``age``."""
    rows = history[(history["as_of"] <= _ts(day)) & ~history["is_closed"].astype(bool)
                   & history["opp"].isin(outcomes.index)]
    rows = rows.merge(deals[["opp", "created_date", "deal_type"]], on="opp", how="left")
    rows["won"] = rows["opp"].map(outcomes).astype(bool)
    rows["age"] = _age_days(rows["as_of"], rows["created_date"])
    return rows


def conversion_table_fit(snapshots: pd.DataFrame) -> ConversionTable:
    """Win rates per (stage, age bucket), per stage and overall; each deal counts once per cell."""
    table = ConversionTable()
    if snapshots.empty:
        return table
    frame = pd.DataFrame({"opp": snapshots["opp"].to_numpy(), "stage": snapshots["stage"].to_numpy(),
                          "bucket": age_buckets(snapshots["age"]), "won": snapshots["won"].to_numpy()})
    cells = frame.drop_duplicates(["opp", "stage", "bucket"]).groupby(["stage", "bucket"])["won"].agg(["sum", "count"])
    table.cells = {(s, b): (int(r["sum"]), int(r["count"])) for (s, b), r in cells.iterrows()}
    stages = frame.drop_duplicates(["opp", "stage"]).groupby("stage")["won"].agg(["sum", "count"])
    table.stages = {s: (int(r["sum"]), int(r["count"])) for s, r in stages.iterrows()}
    per_deal = frame.drop_duplicates("opp")
    table.overall = (int(per_deal["won"].sum()), len(per_deal))
    return table


def conversion_probabilities(open_state: pd.DataFrame, deals: pd.DataFrame, day, table: ConversionTable) -> np.ndarray:
    created = open_state[["opp"]].merge(deals[["opp", "created_date"]], on="opp", how="left")["created_date"]
    age = ((_ts(day) - created).dt.days).to_numpy(dtype=float, na_value=np.nan)
    buckets = age_buckets(age)
    return np.array([table.probability(s, b) for s, b in zip(open_state["stage"].to_numpy(), buckets, strict=True)],
                    dtype=float)


# ------------------------------------------------------------------ win-probability model


FEATURES_NUMERIC = ["log_amount", "age_days", "age_known", "days_to_close", "close_known"]
FEATURES_CATEGORICAL = ["stage", "deal_type"]


def model_features(rows: pd.DataFrame, as_of: pd.Series | None = None) -> pd.DataFrame:
    """Model inputs of deal snapshots: stage, deal type, size, age and time to the expected close."""
    as_of = rows["as_of"] if as_of is None else as_of
    age = ((as_of - rows["created_date"]).dt.days).to_numpy(dtype=float, na_value=np.nan)
    to_close = ((rows["close_date"] - as_of).dt.days).to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame({
        "stage": rows["stage"].astype(str).to_numpy(),
        "deal_type": rows["deal_type"].fillna("").astype(str).to_numpy(),
        "log_amount": np.log1p(np.clip(rows["amount"].to_numpy(dtype=float), 0, None)),
        "age_days": np.clip(np.nan_to_num(age, nan=0.0), 0, 730),
        "age_known": (~np.isnan(age)).astype(float),
        "days_to_close": np.clip(np.nan_to_num(to_close, nan=0.0), -365, 365),
        "close_known": (~np.isnan(to_close)).astype(float),
    })


def auc_interval(auc: float, n_pos: int, n_neg: int) -> tuple[float, float]:
    """95 % interval of an AUC (Hanley & McNeil 1982), from the numbers of won and lost deals."""
    if n_pos == 0 or n_neg == 0:
        return (0.0, 1.0)
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)) / (n_pos * n_neg)
    se = math.sqrt(max(var, 0.0))
    return (max(0.0, auc - 1.96 * se), min(1.0, auc + 1.96 * se))


@dataclass
class WinModel:
    estimator: object | None
    n_deals: int
    n_won: int
    n_lost: int
    n_rows: int
    auc: float | None = None
    auc_low: float | None = None
    auc_high: float | None = None
    brier: float | None = None
    brier_baseline: float | None = None  # Brier of always predicting the base rate
    signal: bool = False
    verdict: str = ""

    def predict(self, features: pd.DataFrame) -> np.ndarray | None:
        if self.estimator is None:
            return None
        return self.estimator.predict_proba(features)[:, 1]

    def metrics(self) -> dict:
        def r(x):
            return None if x is None else round(float(x), 6)

        return {"n_deals": self.n_deals, "n_won": self.n_won, "n_lost": self.n_lost, "n_rows": self.n_rows,
                "auc": r(self.auc), "auc_low": r(self.auc_low), "auc_high": r(self.auc_high),
                "brier": r(self.brier), "brier_baseline": r(self.brier_baseline),
                "signal": self.signal, "verdict": self.verdict}


def _estimator(n_rows: int, minority: int):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown="ignore"), FEATURES_CATEGORICAL),
        ("num", StandardScaler(), FEATURES_NUMERIC),
    ])
    base = make_pipeline(columns, LogisticRegression(max_iter=1000, C=1.0))
    folds = min(3, minority)
    if folds < 2:
        return base
    # Platt scaling on held-out folds: the logistic fit's own probabilities are over-confident
    # on small, imbalanced histories.
    return CalibratedClassifierCV(base, method="sigmoid", cv=folds)


MAX_TRAIN_ROWS = 200_000


def win_model_fit(snapshots: pd.DataFrame, *, evaluate: bool = True, seed: int = 0) -> WinModel:
    """Fit the calibrated win model on open snapshots labelled ``won``; evaluate it by grouped CV.

    Evaluation: 5-fold cross-validation grouped by deal (a deal's snapshots never sit on both
    sides), out-of-fold AUC and Brier score; the AUC interval uses the numbers of won and lost
    deals, not of snapshots, so repeated snapshots do not fake confidence. The verdict says, in
    words, whether the model is usable (see :data:`MIN_MODEL_DEALS`).
    """
    per_deal = snapshots.drop_duplicates("opp")
    n_won = int(per_deal["won"].sum())
    n_lost = len(per_deal) - n_won
    model = WinModel(estimator=None, n_deals=len(per_deal), n_won=n_won, n_lost=n_lost, n_rows=len(snapshots))
    if len(per_deal) < MIN_TRAIN_DEALS or n_won == 0 or n_lost == 0:
        model.verdict = (f"Not enough closed history to train a model ({n_won} won, {n_lost} lost deals; "
                         f"needs at least {MIN_TRAIN_DEALS} deals of both outcomes).")
        return model
    rows = snapshots
    if len(rows) > MAX_TRAIN_ROWS:
        rows = rows.sample(MAX_TRAIN_ROWS, random_state=seed)
    features = model_features(rows)
    labels = rows["won"].astype(int).to_numpy()
    minority = min(n_won, n_lost)
    if evaluate:
        from sklearn.metrics import brier_score_loss, roc_auc_score
        from sklearn.model_selection import GroupKFold

        groups = rows["opp"].to_numpy()
        oof = np.full(len(rows), np.nan)
        for train_idx, test_idx in GroupKFold(n_splits=min(5, len(per_deal))).split(features, labels, groups):
            if len(set(labels[train_idx])) < 2:
                continue
            est = _estimator(len(train_idx), min(int(labels[train_idx].sum()), int((1 - labels[train_idx]).sum())))
            est.fit(features.iloc[train_idx], labels[train_idx])
            oof[test_idx] = est.predict_proba(features.iloc[test_idx])[:, 1]
        ok = ~np.isnan(oof)
        if ok.any() and len(set(labels[ok])) == 2:
            model.auc = float(roc_auc_score(labels[ok], oof[ok]))
            model.brier = float(brier_score_loss(labels[ok], oof[ok]))
            base_rate = labels[ok].mean()
            model.brier_baseline = float(np.mean((labels[ok] - base_rate) ** 2))
            model.auc_low, model.auc_high = auc_interval(model.auc, n_won, n_lost)
    estimator = _estimator(len(rows), minority)
    estimator.fit(features, labels)
    model.estimator = estimator
    if not evaluate:
        model.verdict = "Trained; not evaluated."
    elif model.auc is None:
        model.verdict = "The model could not be evaluated (too few deals per fold)."
    elif len(per_deal) < MIN_MODEL_DEALS or minority < MIN_MODEL_CLASS:
        model.verdict = (f"Too little closed history to trust: {n_won} won and {n_lost} lost deals "
                         f"(at least {MIN_MODEL_DEALS} deals and {MIN_MODEL_CLASS} of each outcome needed). "
                         f"AUC {model.auc:.2f} is not evidence of skill.")
    elif model.auc_low <= 0.5:
        model.verdict = (f"No signal: AUC {model.auc:.2f} (95% CI {model.auc_low:.2f}–{model.auc_high:.2f}) "
                         f"includes 0.5, so the model ranks deals no better than chance. Do not trust its forecast.")
    elif model.auc < WEAK_AUC:
        model.signal = True
        model.verdict = (f"Weak signal: AUC {model.auc:.2f} (95% CI {model.auc_low:.2f}–{model.auc_high:.2f}) is "
                         f"above chance but only just; Brier {model.brier:.3f} vs {model.brier_baseline:.3f} for the "
                         f"base rate. Use its forecast with care and check its backtest.")
    else:
        model.signal = True
        model.verdict = (f"Signal: AUC {model.auc:.2f} (95% CI {model.auc_low:.2f}–{model.auc_high:.2f}), "
                         f"Brier {model.brier:.3f} vs {model.brier_baseline:.3f} for the base rate.")
    return model


# ------------------------------------------------------------------ the human call (submissions)


def rollup_calls(
    parent: Mapping[int, int | None],
    calls: Mapping[int, float],
    overrides: Mapping[int, float],
) -> dict[int, dict[str, float | None]]:
    """Each seller's call: their own submission plus their reports' roll-ups, unless overridden.

    Returns ``seller -> {"own", "rollup", "override", "call"}``: ``rollup`` = own + the ``call`` of
    each direct report (so a manager's override replaces everything below them for the levels
    above, while ``rollup`` keeps what the team said); ``call`` = override if any, else rollup.
    """
    children: dict[int, list[int]] = {}
    nodes = set(parent) | set(calls) | set(overrides)
    for node in list(nodes):
        p = parent.get(node)
        if p is not None:
            children.setdefault(p, []).append(node)
            nodes.add(p)
    out: dict[int, dict[str, float | None]] = {}

    def visit(node: int, stack: frozenset) -> float:
        if node in out:
            return out[node]["call"]
        if node in stack:  # a cycle in bad data: cut it
            return 0.0
        below = sum(visit(c, stack | {node}) for c in children.get(node, ()))
        own = float(calls.get(node, 0.0))
        rollup = own + below
        override = overrides.get(node)
        call = float(override) if override is not None else rollup
        out[node] = {"own": own, "rollup": rollup, "override": None if override is None else float(override),
                     "call": call}
        return call

    for node in sorted(nodes):
        visit(node, frozenset())
    return out


def company_call(parent: Mapping[int, int | None], calls: Mapping[int, float],
                 overrides: Mapping[int, float]) -> float | None:
    """The top of the tree: the sum of the roots' calls; None when nobody submitted anything."""
    if not calls and not overrides:
        return None
    tree = rollup_calls(parent, calls, overrides)
    return float(sum(v["call"] for k, v in tree.items() if parent.get(k) is None))


# ------------------------------------------------------------------ scoring


def score(forecast: float | None, actual: float) -> dict[str, float | None]:
    if forecast is None:
        return {"forecast": None, "error": None, "accuracy": None, "bias": None}
    error = forecast - actual
    if actual:
        return {"forecast": forecast, "error": error, "accuracy": 1 - abs(error) / actual, "bias": error / actual}
    return {"forecast": forecast, "error": error, "accuracy": None, "bias": None}


def summarise(rows: Iterable[dict[str, float | None]]) -> dict[str, float | int | None]:
    """``{"quarters", "mape", "bias", "accuracy"}`` over scored quarters with an actual and a forecast."""
    ape, bias = [], []
    for row in rows:
        if row["bias"] is None:
            continue
        ape.append(abs(row["bias"]))
        bias.append(row["bias"])
    if not ape:
        return {"quarters": 0, "mape": None, "bias": None, "accuracy": None}
    mape = float(np.mean(ape))
    return {"quarters": len(ape), "mape": mape, "bias": float(np.mean(bias)), "accuracy": 1 - mape}


# ------------------------------------------------------------------ the backtest


METHODS = ("weighted", "stage_conversion", "model", "commit")


@dataclass
class QuarterResult:
    key: str
    start: date
    end: date
    actual: float
    booked_at_start: float
    open_deals: int
    open_amount: float
    methods: dict[str, dict] = field(default_factory=dict)
    model: dict | None = None


def forecast_period(
    *,
    history: pd.DataFrame,
    deals: pd.DataFrame,
    day,
    start,
    end,
    probabilities: Mapping[str, float],
    model: bool = True,
) -> dict:
    """The three system forecasts of period [start, end] as they would have been made on ``day``."""
    state = state_as_of(history, day)
    inside = in_period(state, start, end)
    closed = state["is_closed"].astype(bool)
    booked = float(state.loc[inside & closed & state["is_won"].astype(bool), "amount"].sum())
    open_state = state[inside & ~closed]
    amounts = open_state["amount"].to_numpy(dtype=float)
    weighted = booked + float((amounts * stage_probabilities(open_state["stage"], probabilities)).sum())
    outcomes = closed_outcomes(history, day)
    snapshots = open_snapshots(history, deals, day, outcomes)
    table = conversion_table_fit(snapshots)
    conversion = booked + float((amounts * conversion_probabilities(open_state, deals, day, table)).sum())
    result = {"booked": booked, "open_deals": len(open_state), "open_amount": float(amounts.sum()),
              "weighted": weighted, "stage_conversion": conversion, "model": None, "model_info": None}
    if model:
        fit = win_model_fit(snapshots, evaluate=False)
        info = {"n_deals": fit.n_deals, "n_won": fit.n_won, "n_lost": fit.n_lost,
                "trained": fit.estimator is not None}
        if fit.estimator is not None:
            rows = open_state.merge(deals[["opp", "created_date", "deal_type"]], on="opp", how="left")
            if len(rows):
                p = fit.predict(model_features(rows, as_of=pd.Series(_ts(day), index=rows.index)))
                result["model"] = booked + float((rows["amount"].to_numpy(dtype=float) * p).sum())
            else:
                result["model"] = booked
        else:
            info["note"] = fit.verdict
        result["model_info"] = info
    return result


def actual_bookings(deals: pd.DataFrame, start, end) -> float:
    won = deals["is_won"].astype(bool) & in_period(deals, start, end)
    return float(deals.loc[won, "amount"].sum())


def backtest(
    *,
    history: pd.DataFrame,
    deals: pd.DataFrame,
    probabilities: Mapping[str, float],
    quarters: list[tuple[str, date, date]],
    human_calls: Mapping[str, float | None] | None = None,
    model: bool = True,
) -> tuple[list[QuarterResult], dict[str, dict]]:
    """Score each method on each quarter, forecasting from the history as recorded at its start."""
    human_calls = human_calls or {}
    results = []
    for key, start, end in quarters:
        made = forecast_period(history=history, deals=deals, day=start, start=start, end=end,
                               probabilities=probabilities, model=model)
        actual = actual_bookings(deals, start, end)
        q = QuarterResult(key=key, start=start, end=end, actual=actual, booked_at_start=made["booked"],
                          open_deals=made["open_deals"], open_amount=made["open_amount"], model=made["model_info"])
        q.methods["weighted"] = score(made["weighted"], actual)
        q.methods["stage_conversion"] = score(made["stage_conversion"], actual)
        q.methods["model"] = score(made["model"], actual) if model else score(None, actual)
        q.methods["commit"] = score(human_calls.get(key), actual)
        results.append(q)
    summary = {m: summarise(q.methods[m] for q in results) for m in METHODS}
    return results, summary


def best_method(summary: Mapping[str, dict]) -> str | None:
    """The method with the lowest MAPE over at least one scored quarter (None when none was scored)."""
    scored = [(v["mape"], m) for m, v in summary.items() if v.get("mape") is not None]
    return min(scored)[1] if scored else None
