"""The benchmark behind `manage.py bench`: each figure next to the floor measured in the same run.

Floors (PERFORMANCE.md): a vectorised numpy/pandas rating of as many credits as the calculation
rates, and a COPY of as many six-column rows as a step writes into an unindexed temp table. The
machine is noisy, so ratios to floors measured seconds apart are what compare across runs.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection

from spm.tenancy.models import tenant_models


@dataclass
class Figure:
    name: str
    wall: float
    peak_mb: float
    floor: float | None
    detail: str = ""

    @property
    def ratio(self) -> str:
        return f"{self.wall / self.floor:.1f}×" if self.floor else "–"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def reset_peak() -> None:
    """Reset this process's peak resident set (VmHWM) so that `peak_since_reset` measures one step (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _status_mb(field: str) -> float | None:
    """MB: one memory field of /proc/self/status (VmRSS, VmHWM …), None where it cannot be read."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """MB: this process's resident set now (VmRSS), 0 where it cannot be read."""
    return _status_mb("VmRSS") or 0.0


def peak_since_reset() -> float:
    """MB: the peak resident set since `reset_peak` (VmHWM), or the process's peak where it cannot be read."""
    peak = _status_mb("VmHWM")
    return peak_mb() if peak is None else peak


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def rating_floor(n: int, n_sellers: int, seed: int = 1) -> float:
    """Seconds to rate `n` credits with marginal tiers per (seller, quarter) in pandas (no DB)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "seller": rng.integers(0, max(n_sellers, 1), n),
        "quarter": rng.integers(0, 4, n),
        "day": rng.integers(0, 365, n),
        "amount": rng.lognormal(10, 0.8, n).round(2),
    })
    quota = pd.Series(rng.lognormal(12, 0.3, max(n_sellers, 1) * 4))
    started = time.perf_counter()
    df = df.sort_values(["seller", "quarter", "day"], kind="stable")
    cum = df.groupby(["seller", "quarter"], sort=False)["amount"].cumsum().to_numpy()
    q = quota.to_numpy()[df["seller"].to_numpy() * 4 + df["quarter"].to_numpy()]
    a_after, a_before = cum / q, (cum - df["amount"].to_numpy()) / q
    # Marginal tiers 6 % ≤ 100 %, 9 % ≤ 150 %, 12 % above: F is piecewise linear → interpolation.
    xs = np.array([0.0, 1.0, 1.5, 1000.0])
    fs = np.concatenate([[0.0], np.cumsum(np.diff(xs) * np.array([0.06, 0.09, 0.12]))])
    amount = (np.interp(a_after, xs, fs) - np.interp(a_before, xs, fs)) * q
    np.round(amount, 2)
    return time.perf_counter() - started


def copy_floor(n: int) -> float:
    """Seconds to COPY `n` six-column rows into an unindexed temp table (rolled back)."""
    rows = [(i, i % 1000, "2026-01", "Bookings commission", 123.45, "explanation") for i in range(n)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE _bench_floor (a bigint, b bigint, c text, d text, e numeric, f text)")
        started = time.perf_counter()
        with cursor.copy("COPY _bench_floor FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        took = time.perf_counter() - started
        cursor.execute("DROP TABLE _bench_floor")
    return took


def wipe_tenant_rows(tenant) -> None:
    """Delete a previous bench tenant's rows with one DELETE per table (foreign keys are deferred)."""
    with connection.cursor() as cursor:
        for model in tenant_models():
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE tenant_id = %s",
                           [tenant.pk])


def vacuum_tables(models, *, full: bool = False) -> None:
    """VACUUM ANALYZE these models' tables (PostgreSQL; outside a transaction; untimed). After
    `wipe_tenant_rows` a rerun inserts the same keys over the dead index entries of the previous run,
    whose unique checks visit the dead rows: without it a bench measures the previous run's leftovers.
    `full` also gives the emptied space back (VACUUM FULL: an exclusive lock, for bench databases),
    so that a run inserts into compact tables, not into the holes a million wiped rows left."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM {'FULL ' if full else ''}ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def machine() -> dict[str, str]:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as fh:
            mem_kb = int(fh.readline().split()[1])
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {"cpus": str(os.cpu_count()), "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
            "python": platform.python_version(), "postgresql": pg, "date": dt.date.today().isoformat()}


def load_average() -> str:
    """The 1/5/15-minute load averages, for a figure measured on a shared machine."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


TITLE = "# Benchmarks"
INTRO = ("Produced by `manage.py bench` (see `spm/hub/demo/bench.py`); the floor of each\n"
         "step is measured in the same run (PERFORMANCE.md), the ratio is wall ÷ floor.")


def replace_section(path, key: str, section: str, *, legacy_heading: str | None = None) -> str:
    """Write `section` between `<!-- bench:key -->` markers in the benchmarks file, keeping every other section.

    A run writes only the steps it ran, so `--only pipeline` or `--import-only` must not erase the
    figures of the others. Without markers yet, a section that starts with `legacy_heading` (up to the
    next `## ` heading) is replaced; failing that the section is appended. Returns the file's text.
    """
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{start}\n{section.strip()}\n{end}"
    old = path.read_text() if path.exists() else ""
    if not old.strip():
        old = f"{TITLE}\n\n{INTRO}\n"
    if start in old and end in old:
        head, _, rest = old.partition(start)
        text = head + block + rest.partition(end)[2]
    elif legacy_heading and legacy_heading in old:
        head, _, rest = old.partition(legacy_heading)
        tail = rest[rest.index("\n## ") + 1:] if "\n## " in rest else ""
        text = head + block + "\n\n" + tail
    else:
        text = old.rstrip() + "\n\n" + block + "\n"
    text = text.rstrip() + "\n"
    path.write_text(text)
    return text


def markdown(command: str, info: dict[str, str], figures: list[Figure], notes: list[str]) -> str:
    """The figures of one `manage.py bench` run (one section of docs/benchmarks.md)."""
    out = [f"Command: `{command}`", "",
           f"Machine: {info['cpus']} CPUs, {info['memory']} RAM, Python {info['python']}, "
           f"PostgreSQL {info['postgresql']}; run on {info['date']}.", "",
           "| step | wall | peak memory | floor | ratio | detail |", "|---|---:|---:|---:|---:|---|"]
    for f in figures:
        floor = f"{f.floor:.2f} s" if f.floor else "–"
        out.append(f"| {f.name} | {f.wall:.2f} s | {f.peak_mb:.0f} MB | {floor} | {f.ratio} | {f.detail} |")
    out += ["", *[f"- {n}" for n in notes], ""]
    return "\n".join(out)
