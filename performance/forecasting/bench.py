"""Benchmark step of `manage.py bench`: the weighted-forecast refresh over N open deals, in memory.

PERFORMANCE.md: "weighted pipeline of 1M open opps → owner × month → hierarchy: 60–130 ms in
memory". The floor measured in the same run is the irreducible part: one pass that weights each
deal and sums it per (owner, month) with ``np.bincount`` — no stage-name lookup, no hierarchy.
Issue 10's target: the refresh over 1,000,000 open deals in ≤ 3 s.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from performance.forecasting import engine

TARGET_SECONDS = 3.0
STAGES = np.array(["Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation", "Commit"])
PROBABILITIES = {"Prospecting": 0.05, "Qualification": 0.1, "Discovery": 0.2, "Proposal": 0.4,
                 "Negotiation": 0.6, "Commit": 0.85}


def synthetic_pipeline(n_open: int, n_sellers: int, seed: int = 7):
    """A 5-level hierarchy of ``n_sellers`` and ``n_open`` open deals owned by its bottom level."""
    rng = np.random.default_rng(seed)
    n_sellers = max(n_sellers, 10)
    bounds = [0, 1, max(2, n_sellers // 1000), max(3, n_sellers // 100), max(4, n_sellers // 10), n_sellers]
    bounds = sorted(set(bounds))
    parent: dict[int, int | None] = {0: None}
    for lo, hi, prev_lo in zip(bounds[1:-1], bounds[2:], bounds[:-2], strict=True):
        bosses = rng.integers(prev_lo, lo, hi - lo)
        parent.update({int(i): int(b) for i, b in zip(range(lo, hi), bosses, strict=True)})
    reps_from = bounds[-2]
    owners = rng.integers(reps_from, n_sellers, n_open)
    stages = pd.Categorical.from_codes(rng.integers(0, len(STAGES), n_open), categories=STAGES)
    amounts = rng.lognormal(10, 0.8, n_open).round(2)
    close = np.datetime64("2027-01-01") + rng.integers(0, 730, n_open).astype("timedelta64[D]")
    return owners, stages, amounts, close, parent


SECTION = "## Weighted forecast refresh"


def write_section(path, *, command: str, info: dict[str, str], row: str) -> str:
    """Replace (or add) this step's section of the benchmarks file, before the CRM import section
    (whose writer keeps what precedes it); returns the section."""
    section = "\n".join([
        SECTION, "",
        f"Command: `{command}` — run on {info['date']}, {info['cpus']} CPUs, Python {info['python']}. "
        f"Target (issue 10): 1,000,000 open deals ≤ {TARGET_SECONDS:.0f} s; PERFORMANCE.md floor 60–130 ms in memory.",
        "", "| step | wall | peak memory | floor | ratio | detail |", "|---|---:|---:|---:|---:|---|", row, "",
    ])
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if SECTION in old:
        before, _, rest = old.partition(SECTION)
        after = rest[rest.find("\n## "):] if "\n## " in rest else ""
        text = before + section + after.lstrip("\n")
    elif "\n## " in old:
        head, _, tail = old.partition("\n## ")
        text = head.rstrip() + "\n\n" + section + "\n## " + tail
    else:
        text = old.rstrip() + "\n\n" + section
    path.write_text(text)
    return section


def weighted_refresh_figure(*, n_open: int = 1_000_000, n_sellers: int = 10_000, seed: int = 7) -> tuple[float, float, str]:
    """``(wall seconds, floor seconds, detail)`` of one refresh (best of 3) and its floor."""
    owners, stages, amounts, close, parent = synthetic_pipeline(n_open, n_sellers, seed)
    walls = []
    for _ in range(3):
        started = time.perf_counter()
        result = engine.weighted_pipeline(owners, stages, amounts, close, PROBABILITIES, parent)
        walls.append(time.perf_counter() - started)
    codes = stages.codes
    probs = np.array([PROBABILITIES[s] for s in STAGES])
    months = (close.astype("datetime64[M]") - np.datetime64("2027-01", "M")).astype(np.int64)
    floors = []
    for _ in range(3):
        started = time.perf_counter()
        np.bincount(owners * 24 + months, weights=amounts * probs[codes], minlength=(n_sellers + 1) * 24)
        floors.append(time.perf_counter() - started)
    wall, floor = min(walls), min(floors)
    top = result[result["seller"] == 0]["total"].sum()
    verdict = "meets" if wall <= TARGET_SECONDS else "MISSES"
    detail = (f"{n_open:,} open deals, {len(parent):,} sellers in 5 levels, {len(result):,} (seller, month) rows; "
              f"top of the tree {top:,.0f} = all deals weighted; {verdict} the ≤ {TARGET_SECONDS:.0f} s target; "
              f"floor = one weighted bincount per (owner, month), no names, no hierarchy")
    return wall, floor, detail
