"""Territory rules, balance figures and the balancer: pure, vectorised, no Django.

Rules (a territory's ``rules`` object; every key optional, AND across keys, OR within a list):

    {"regions": ["EMEA"], "countries": ["Germany"], "industries": ["retail"],
     "segments": ["SMB"],                      # size bands by employees, see SIZE_BANDS
     "employees": {"min": 200, "max": 1999},   # inclusive ranges; either bound optional
     "annual_revenue": {"min": "1000000"},
     "accounts": ["A000123"]}                  # named accounts (external ids)

Precedence: a named-account match beats any criteria match; within each kind the territory with
the lower ``precedence`` number wins. Two territories matching an account at the same (kind,
precedence) are an *overlap*: the account goes to the first of them by (precedence, id) so the
result is deterministic, and it is listed. A manual override pins an account to a territory and
beats every rule. An account no territory matches is a *gap*. A territory whose rules hold no
criteria matches only its named accounts (there is no silent catch-all).

Fairness is measured on potential per seller (owners of the plan's territories): the coefficient
of variation (population standard deviation / mean) and the Gini coefficient. Moving an account of
potential ``p`` from a seller holding ``a`` to one holding ``b`` with ``0 < p < a - b`` lowers the
variance by ``2p(a - b - p)/n`` with the mean unchanged, so the CV strictly falls, and the Gini
cannot rise (the pair moves towards each other: a Pigou–Dalton transfer). The balancer only ever
proposes such moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

# Size bands by employee count (inclusive), the same bands the demo generator uses.
SIZE_BANDS: dict[str, tuple[int, int | None]] = {"SMB": (0, 199), "Mid-Market": (200, 1999), "Enterprise": (2000, None)}
LIST_KEYS = ("regions", "countries", "industries", "segments", "accounts")
RANGE_KEYS = ("employees", "annual_revenue")
RULE_KEYS = frozenset(LIST_KEYS + RANGE_KEYS)
NAMED, CRITERIA = 0, 1  # match kinds, in order of strength
NONE = -1  # "no territory" in assignment arrays


class RuleError(ValueError):
    """A rules object that does not validate; `field` names the key (rules.<key>)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _number(value, where: str) -> float:
    if isinstance(value, bool):
        raise RuleError(f"{value!r} is not a number", where)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RuleError(f"{value!r} is not a number", where) from None
    if not number.is_finite():
        raise RuleError(f"{value!r} is not a number", where)
    return float(number)


def parse_rules(rules) -> dict:
    """Validate a rules object and return it normalised (lists of strings, ranges of floats)."""
    if rules is None:
        return {}
    if not isinstance(rules, dict):
        raise RuleError("must be an object", "rules")
    unknown = sorted(set(rules) - RULE_KEYS)
    if unknown:
        raise RuleError(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(RULE_KEYS))}",
                        f"rules.{unknown[0]}")
    out: dict = {}
    for key in LIST_KEYS:
        if key not in rules:
            continue
        values = rules[key]
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise RuleError("must be a list of non-empty strings", f"rules.{key}")
        cleaned = [v.strip() for v in values]
        if key == "segments":
            bad = [v for v in cleaned if v not in SIZE_BANDS]
            if bad:
                raise RuleError(f"unknown size band {bad[0]!r}; bands: {', '.join(SIZE_BANDS)}", "rules.segments")
        if cleaned:
            out[key] = cleaned
    for key in RANGE_KEYS:
        if key not in rules:
            continue
        spec = rules[key]
        if not isinstance(spec, dict) or not spec or set(spec) - {"min", "max"}:
            raise RuleError('must be an object with "min" and/or "max"', f"rules.{key}")
        lo = _number(spec["min"], f"rules.{key}.min") if spec.get("min") is not None else None
        hi = _number(spec["max"], f"rules.{key}.max") if spec.get("max") is not None else None
        if lo is not None and hi is not None and lo > hi:
            raise RuleError(f"min {spec['min']} is above max {spec['max']}", f"rules.{key}")
        if lo is not None or hi is not None:
            out[key] = {"min": lo, "max": hi}
    return out


@dataclass(frozen=True)
class TerritorySpec:
    id: int
    name: str
    rules: dict
    precedence: int = 100
    owner_id: int | None = None


@dataclass
class Evaluation:
    """`territory[i]` is the territory id of account row i (NONE for a gap); `source[i]` says why."""

    account_ids: np.ndarray
    territory: np.ndarray
    source: np.ndarray  # "override" | "named" | "rule" | ""
    overlaps: dict[int, list[int]] = field(default_factory=dict)  # account id -> territory ids tied

    @property
    def gaps(self) -> list[int]:
        return self.account_ids[self.territory == NONE].tolist()

    def assignment(self) -> dict[int, int]:
        mask = self.territory != NONE
        return dict(zip(self.account_ids[mask].tolist(), self.territory[mask].tolist(), strict=True))


ACCOUNT_COLUMNS = ("id", "external_id", "region", "country", "industry", "employees", "annual_revenue", "potential")


def accounts_frame(rows, columns=ACCOUNT_COLUMNS) -> pd.DataFrame:
    """A frame of account rows (tuples in `columns` order) with the dtypes the engine expects."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(columns))
    for col in ("region", "country", "industry", "external_id"):
        if col in frame:
            frame[col] = frame[col].fillna("").astype(str)
    for col in ("employees", "annual_revenue", "potential", "latitude", "longitude"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    if "potential" in frame:
        frame["potential"] = frame["potential"].fillna(0.0)
    frame["id"] = frame["id"].astype(np.int64)
    return frame


def _codes(values: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """Integer codes of case- and space-insensitive values (-1 for missing). The folding runs on
    the distinct values only: a column of 50,000 accounts has a few dozen regions or industries."""
    raw, uniques = pd.factorize(values)
    folded = np.array([str(u).strip().casefold() for u in uniques], dtype=object)
    canon, canon_uniques = pd.factorize(folded) if len(folded) else (np.array([], dtype=np.int64), [])
    codes = np.where(raw >= 0, np.asarray(canon, dtype=np.int64)[np.maximum(raw, 0)] if len(canon) else -1, -1)
    return codes, {u: i for i, u in enumerate(canon_uniques)}


def _in(codes: np.ndarray, index: dict[str, int], wanted: list[str]) -> np.ndarray:
    table = np.zeros(len(index) + 1, dtype=bool)  # the extra slot catches code -1 (missing)
    for value in wanted:
        code = index.get(value.strip().casefold())
        if code is not None:
            table[code] = True
    return table[codes]


def _between(values: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
    mask = ~np.isnan(values)
    if lo is not None:
        mask &= values >= lo
    if hi is not None:
        mask &= values <= hi
    return mask


def territory_masks(accounts: pd.DataFrame, spec: TerritorySpec, cache: dict) -> tuple[np.ndarray, np.ndarray]:
    """(named mask, criteria mask) of the accounts `spec` matches."""
    n = len(accounts)
    rules = spec.rules
    named = np.zeros(n, dtype=bool)
    if rules.get("accounts"):
        position = cache["external_id"]
        named[[position[a.strip()] for a in rules["accounts"] if a.strip() in position]] = True
    criteria_keys = [k for k in rules if k != "accounts"]
    if not criteria_keys:
        return named, np.zeros(n, dtype=bool)
    mask = np.ones(n, dtype=bool)
    for key, column in (("regions", "region"), ("countries", "country"), ("industries", "industry")):
        if key in rules:
            mask &= _in(*cache[column], rules[key])
    employees = cache["employees"]
    if "segments" in rules:
        band = np.zeros(n, dtype=bool)
        for name in rules["segments"]:
            lo, hi = SIZE_BANDS[name]
            band |= _between(employees, lo, hi)
        mask &= band
    if "employees" in rules:
        mask &= _between(employees, rules["employees"]["min"], rules["employees"]["max"])
    if "annual_revenue" in rules:
        mask &= _between(cache["annual_revenue"], rules["annual_revenue"]["min"], rules["annual_revenue"]["max"])
    return named, mask


def evaluate(accounts: pd.DataFrame, territories: list[TerritorySpec], overrides: dict[int, int] | None = None) -> Evaluation:
    """Assign every account to at most one territory (see the module docstring for precedence)."""
    n = len(accounts)
    account_ids = accounts["id"].to_numpy(dtype=np.int64)
    cache = {
        # Named accounts: exact external ids → row position (built only when some territory names accounts).
        "external_id": ({e.strip(): i for i, e in enumerate(accounts["external_id"].tolist())}
                        if any(t.rules.get("accounts") for t in territories) else {}),
        "employees": accounts["employees"].to_numpy(dtype=float),
        "annual_revenue": accounts["annual_revenue"].to_numpy(dtype=float),
    }
    for column in ("region", "country", "industry"):
        cache[column] = _codes(accounts[column])
    best_key = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    best = np.full(n, NONE, dtype=np.int64)
    ties = np.zeros(n, dtype=np.int32)
    tied: dict[int, list[int]] = {}
    # Key = kind * 2^32 + precedence: named before criteria, then lower precedence first.
    ordered = sorted(territories, key=lambda t: (t.precedence, t.id))
    for spec in ordered:
        named, criteria = territory_masks(accounts, spec, cache)
        for kind, mask in ((NAMED, named), (CRITERIA, criteria & ~named)):
            if not mask.any():
                continue
            key = (kind << 32) + int(spec.precedence)
            better = mask & (key < best_key)
            same = mask & (key == best_key)
            best_key[better] = key
            best[better] = spec.id
            ties[better] = 1
            ties[same] += 1
            for pos in np.flatnonzero(same):
                tied.setdefault(int(pos), [int(best[pos])])
            for pos in np.flatnonzero(same):
                tied[int(pos)].append(spec.id)
            for pos in np.flatnonzero(better):
                tied.pop(int(pos), None)
    source = np.where(best == NONE, "", np.where(best_key >> 32 == NAMED, "named", "rule")).astype(object)
    if overrides:
        known = {t.id for t in territories}
        position = pd.Series(np.arange(n), index=account_ids)
        for account_id, territory_id in overrides.items():
            if territory_id in known and account_id in position.index:
                pos = int(position[account_id])
                best[pos] = territory_id
                source[pos] = "override"
                tied.pop(pos, None)
    overlaps = {int(account_ids[pos]): ids for pos, ids in sorted(tied.items()) if ties[pos] > 1}
    return Evaluation(account_ids=account_ids, territory=best, source=source, overlaps=overlaps)


# --------------------------------------------------------------------------------------------
# Balance figures
# --------------------------------------------------------------------------------------------


def fairness(values) -> dict[str, float]:
    """{"cv", "gini"} of a list of non-negative figures (0 for an empty list or a zero total)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return {"cv": 0.0, "gini": 0.0}
    mean = total / n
    cv = float(x.std() / mean)
    ranks = np.arange(1, n + 1)
    gini = float((2.0 * (ranks * x).sum()) / (n * total) - (n + 1) / n)
    return {"cv": cv, "gini": max(gini, 0.0)}


def territory_balance(accounts: pd.DataFrame, evaluation: Evaluation, territories: list[TerritorySpec],
                      quota_by_seller: dict[int, float] | None = None) -> pd.DataFrame:
    """One row per territory: accounts (workload), potential, owner, quota share, coverage, short.

    A seller's quota is shared by the territories they own in the plan, equally (a seller owning
    two territories is expected to find half their quota in each). `short` = potential below the
    quota share (only where there is a quota).
    """
    quota_by_seller = quota_by_seller or {}
    frame = pd.DataFrame({"territory": evaluation.territory, "potential": accounts["potential"].to_numpy(dtype=float)})
    grouped = frame[frame["territory"] != NONE].groupby("territory")["potential"].agg(["sum", "count"])
    owned = pd.Series([t.owner_id for t in territories if t.owner_id is not None]).value_counts().to_dict()
    rows = []
    for t in territories:
        potential = float(grouped["sum"].get(t.id, 0.0)) if len(grouped) else 0.0
        count = int(grouped["count"].get(t.id, 0)) if len(grouped) else 0
        quota = None
        if t.owner_id is not None and t.owner_id in quota_by_seller:
            quota = float(quota_by_seller[t.owner_id]) / owned[t.owner_id]
        coverage = potential / quota if quota else None
        rows.append({"territory": t.id, "name": t.name, "owner": t.owner_id, "accounts": count, "potential": potential,
                     "quota": quota, "coverage": coverage, "short": bool(quota is not None and potential < quota)})
    return pd.DataFrame(rows, columns=["territory", "name", "owner", "accounts", "potential", "quota", "coverage", "short"])


def seller_potential(balance: pd.DataFrame) -> dict[int, float]:
    """Potential per owning seller (sum over the territories they own; owners with none get 0)."""
    owned = balance[balance["owner"].notna()]
    return {int(k): float(v) for k, v in owned.groupby("owner")["potential"].sum().items()}


# --------------------------------------------------------------------------------------------
# Balancer
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    account_id: int
    from_territory: int
    to_territory: int
    potential: float
    cv_before: float
    cv_after: float
    gini_before: float
    gini_after: float


def _haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def propose_moves(accounts: pd.DataFrame, evaluation: Evaluation, territories: list[TerritorySpec], *,
                  max_moves: int = 200, min_gain: float = 0.0001, pairs: int = 4) -> list[Move]:
    """Greedy account moves that lower the CV of potential per seller, preferring continuity.

    Each step takes the sellers with the most and the least potential (trying the next `pairs`
    on each side when none of the donor's accounts fits), and moves ONE account of potential
    ``0 < p < gap``; among those it prefers the largest variance reduction ``p (gap − p)``, halved
    for an account outside the receiving territory's region and discounted by distance to that
    territory's centre, so moves stay local and few. It stops after `max_moves`, or when the best
    move would lower the CV by less than `min_gain` of itself (relative). Accounts of territories without an owner
    and manual overrides stay where they are. Deterministic for the same inputs.
    """
    owner_of = {t.id: t.owner_id for t in territories if t.owner_id is not None}
    sellers = sorted(set(owner_of.values()))
    if len(sellers) < 2:
        return []
    seller_pos = {s: i for i, s in enumerate(sellers)}
    pot = accounts["potential"].to_numpy(dtype=float)
    terr = evaluation.territory.copy()
    movable = np.array([t in owner_of for t in terr]) & (evaluation.source != "override") & (pot > 0)
    seller_of_account = np.array([seller_pos[owner_of[t]] if t in owner_of else -1 for t in terr])
    totals = np.zeros(len(sellers))
    np.add.at(totals, seller_of_account[seller_of_account >= 0], pot[seller_of_account >= 0])
    lat = accounts["latitude"].to_numpy(dtype=float) if "latitude" in accounts else np.full(len(pot), np.nan)
    lon = accounts["longitude"].to_numpy(dtype=float) if "longitude" in accounts else np.full(len(pot), np.nan)
    region = accounts["region"].str.casefold().to_numpy() if "region" in accounts else np.full(len(pot), "")

    # Each receiving territory's centre (potential-weighted) and main region, fixed at the start.
    centre: dict[int, tuple[float, float]] = {}
    main_region: dict[int, str] = {}
    frame = pd.DataFrame({"t": terr, "w": pot, "lat": lat, "lon": lon, "region": region})
    for t_id, grp in frame[frame["t"] != NONE].groupby("t"):
        geo = grp.dropna(subset=["lat", "lon"])
        if len(geo):
            w = geo["w"].to_numpy() + 1e-9
            centre[int(t_id)] = (float(np.average(geo["lat"], weights=w)), float(np.average(geo["lon"], weights=w)))
        main_region[int(t_id)] = str(grp["region"].mode().iloc[0]) if len(grp) else ""
    territories_of: dict[int, list[int]] = {}
    for t_id, s in sorted(owner_of.items()):
        territories_of.setdefault(seller_pos[s], []).append(t_id)
    members: dict[int, list[int]] = {i: [] for i in range(len(sellers))}
    for pos in np.flatnonzero(movable):
        members[int(seller_of_account[pos])].append(int(pos))
    member_arr = {k: np.array(v, dtype=np.int64) for k, v in members.items()}

    moves: list[Move] = []
    current = fairness(totals)
    while len(moves) < max_moves:
        order = np.argsort(totals, kind="stable")
        choice = None
        for donor in order[::-1][:pairs]:
            cand = member_arr[int(donor)]
            if cand.size == 0:
                continue
            for receiver in order[:pairs]:
                gap = totals[donor] - totals[receiver]
                if gap <= 0 or donor == receiver:
                    break
                p = pot[cand]
                ok = (p > 0) & (p < gap * (1 - 1e-9))
                if not ok.any():
                    continue
                idx = cand[ok]
                p = p[ok]
                gain = p * (gap - p)
                # The receiver's territory for each candidate: same region first, then the nearest.
                best_t = np.full(idx.size, territories_of[int(receiver)][0], dtype=np.int64)
                weight = np.full(idx.size, 0.5)
                dist = np.full(idx.size, np.inf)
                for t_id in territories_of[int(receiver)]:
                    same = region[idx] == main_region.get(t_id, "\0")
                    if t_id in centre:
                        d = _haversine_km(lat[idx], lon[idx], *centre[t_id])
                        d = np.where(np.isnan(d), 5000.0, d)
                    else:
                        d = np.full(idx.size, 5000.0)
                    w = np.where(same, 1.0, 0.5)
                    better = (w > weight) | ((w == weight) & (d < dist))
                    best_t = np.where(better, t_id, best_t)
                    weight = np.where(better, w, weight)
                    dist = np.where(better, d, dist)
                # Continuity decides among the moves that achieve at least half the best reduction.
                score = weight / (1.0 + np.where(np.isfinite(dist), dist, 5000.0) / 2000.0)
                score = np.where(gain >= 0.5 * gain.max(), score, -1.0) + gain / gain.max() * 1e-6
                k = int(np.argmax(score))
                choice = (int(donor), int(receiver), int(idx[k]), int(best_t[k]))
                break
            if choice is not None:
                break
        if choice is None:
            break
        donor, receiver, pos, to_t = choice
        after_totals = totals.copy()
        after_totals[donor] -= pot[pos]
        after_totals[receiver] += pot[pos]
        after = fairness(after_totals)
        if current["cv"] - after["cv"] < min_gain * current["cv"]:
            break
        moves.append(Move(account_id=int(evaluation.account_ids[pos]), from_territory=int(terr[pos]), to_territory=to_t,
                          potential=float(pot[pos]), cv_before=current["cv"], cv_after=after["cv"],
                          gini_before=current["gini"], gini_after=after["gini"]))
        totals = after_totals
        current = after
        terr[pos] = to_t
        member_arr[donor] = member_arr[donor][member_arr[donor] != pos]
        # A moved account stays put: moving it again would undo continuity for a marginal gain.
    return moves


def apply_moves(evaluation: Evaluation, moves: list[Move]) -> Evaluation:
    """The evaluation with `moves` applied as overrides (what accepting them all would give)."""
    position = {a: i for i, a in enumerate(evaluation.account_ids.tolist())}
    territory = evaluation.territory.copy()
    source = evaluation.source.copy()
    for move in moves:
        pos = position[move.account_id]
        territory[pos] = move.to_territory
        source[pos] = "override"
    return Evaluation(account_ids=evaluation.account_ids, territory=territory, source=source,
                      overlaps={k: v for k, v in evaluation.overlaps.items() if k not in {m.account_id for m in moves}})
