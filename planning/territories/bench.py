"""Territory benchmark: rule evaluation of N accounts into T territories, then balancing (pure, no DB).

`make bench` calls :func:`run` (through the `bench` command); the figures go to docs/benchmarks.md.
Issue 9 targets: 50,000 accounts into 200 territories evaluated in ≤ 5 s, balanced in ≤ 30 s.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from planning.territories.engine import (
    TerritorySpec,
    evaluate,
    fairness,
    propose_moves,
    seller_potential,
    territory_balance,
)

REGIONS = ["NA East", "NA West", "EMEA", "APAC", "LATAM"]
INDUSTRIES = ["retail", "software", "manufacturing", "healthcare", "finance", "energy", "media", "logistics"]
COUNTRIES = {"NA East": ["United States", "Canada"], "NA West": ["United States", "Mexico"],
             "EMEA": ["Germany", "France", "United Kingdom", "Kenya"], "APAC": ["Japan", "Australia", "India"],
             "LATAM": ["Brazil", "Chile"]}
CENTRES = {"NA East": (40.7, -74.0), "NA West": (37.8, -122.4), "EMEA": (50.1, 8.7), "APAC": (35.7, 139.7),
           "LATAM": (-23.5, -46.6)}


def synthetic(accounts: int, territories: int, seed: int = 7) -> tuple[pd.DataFrame, list[TerritorySpec]]:
    """Accounts spread over regions × industries × size bands, and territories carving them up by
    region × industry × band, plus a few named-account territories (some overlap on purpose)."""
    rng = np.random.default_rng(seed)
    region = rng.choice(REGIONS, accounts)
    industry = rng.choice(INDUSTRIES, accounts)
    employees = np.exp(rng.uniform(np.log(10), np.log(50000), accounts)).astype(int)
    country = np.array([COUNTRIES[r][i % len(COUNTRIES[r])] for r, i in zip(region, rng.integers(0, 4, accounts), strict=True)])
    lat = np.array([CENTRES[r][0] for r in region]) + rng.normal(0, 3, accounts)
    lon = np.array([CENTRES[r][1] for r in region]) + rng.normal(0, 3, accounts)
    frame = pd.DataFrame({
        "id": np.arange(1, accounts + 1, dtype=np.int64), "external_id": [f"A{i:06d}" for i in range(1, accounts + 1)],
        "region": region, "country": country, "industry": industry, "employees": employees.astype(float),
        "annual_revenue": employees * rng.lognormal(np.log(150000), 0.4, accounts),
        "potential": np.round(rng.lognormal(np.log(40000), 0.9, accounts), 2), "latitude": lat, "longitude": lon,
    })
    specs: list[TerritorySpec] = []
    bands = ["SMB", "Mid-Market", "Enterprise"]
    split = float(np.median(frame["annual_revenue"]))
    halves = [{"max": split}, {"min": split + 0.01}]
    combos = [(r, i, b, h) for r in REGIONS for i in INDUSTRIES for b in bands for h in (0, 1)]
    named = max(territories // 20, 1)
    for k in range(territories - named):  # combos beyond the count stay uncovered: gaps on purpose
        r, i, b, h = combos[k % len(combos)]
        specs.append(TerritorySpec(id=k + 1, name=f"{r} {i} {b} {h} {k}", precedence=100 + k // len(combos),
                                   rules={"regions": [r], "industries": [i], "segments": [b],
                                          "annual_revenue": {"min": None, "max": None, **halves[h]}},
                                   owner_id=1000 + k))
    for j in range(named):
        k = territories - named + j
        picks = rng.choice(accounts, 50, replace=False) + 1
        specs.append(TerritorySpec(id=k + 1, name=f"Named {j}", precedence=10,
                                   rules={"accounts": [f"A{int(p):06d}" for p in picks]}, owner_id=1000 + k))
    return frame, specs


def run(*, accounts: int = 50_000, territories: int = 200) -> dict:
    frame, specs = synthetic(accounts, territories)
    t0 = time.perf_counter()
    ev = evaluate(frame, specs)
    t1 = time.perf_counter()
    before = fairness(list(seller_potential(territory_balance(frame, ev, specs)).values()))
    moves = propose_moves(frame, ev, specs, max_moves=500)
    t2 = time.perf_counter()
    after_cv = moves[-1].cv_after if moves else before["cv"]
    return {"accounts": accounts, "territories": territories, "evaluate_s": t1 - t0, "balance_s": t2 - t1,
            "gaps": len(ev.gaps), "overlaps": len(ev.overlaps), "moves": len(moves), "cv_before": before["cv"],
            "cv_after": after_cv}


def mask_floor(accounts: int, territories: int, seed: int = 3) -> float:
    """Seconds for one vectorised membership test per territory over integer-coded accounts."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 40, accounts)
    started = time.perf_counter()
    for t in range(territories):
        np.isin(codes, (t % 40, (t + 7) % 40))
    return time.perf_counter() - started
