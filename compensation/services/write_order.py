"""Which statement each line of a run goes to, at which position, in which order it is written — as arrays.

`_write_results` used to walk a run's lines one by one (a tuple, a dict entry and a list append each, ~1.65
million a year at full size) to sum the statements' totals, group the lines by statement and number them. Here
the lines are numbered by (seller, period) once and grouped by one stable sort; only statements, the few lines
that are not table columns and the corrections are looked at one by one.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from compensation.engine.table import LineTable

CENT = Decimal("0.01")


class LineKeys:
    """The lines of `result` (of `sellers` only, when given) in output order: `index` (line index: i < n a column
    line, else objs[i − n]), `key` (number of its (seller, period) in `keys`), and `totals`: cents per (seller,
    period) over those lines."""

    def __init__(self, result: LineTable, sellers: set | None):
        n = result.n
        objs = result.objs
        period_no: dict = {p: i for i, p in enumerate(dict.fromkeys(result.c_period))}
        seller = np.empty(n + len(objs), dtype=np.int64)
        period = np.empty(n + len(objs), dtype=np.int64)
        cents_col = result.c_cents
        cents = np.empty(n + len(objs), dtype=np.int64 if cents_col.dtype == np.int64 else object)
        if n:
            seller[:n] = np.asarray(result.c_seller, dtype=np.int64)
            period[:n] = np.fromiter(map(period_no.__getitem__, result.c_period), dtype=np.int64, count=n)
            cents[:n] = cents_col
        for j, line in enumerate(objs):
            seller[n + j] = line.seller
            period[n + j] = period_no.setdefault(line.period, len(period_no))
            cents[n + j] = int(Decimal(line.amount).quantize(CENT).scaleb(2))
        order = result.order
        if sellers is not None:
            order = order[np.isin(seller[order], np.fromiter(sellers, dtype=np.int64, count=len(sellers)))]
        periods = list(period_no)
        width = max(len(periods), 1)
        code = seller[order] * width + period[order]
        ucode, inv = np.unique(code, return_inverse=True)
        self.index = order
        self.key = inv.reshape(-1)
        self.keys = [(s, periods[p]) for s, p in zip(*np.divmod(ucode, width), strict=True)]
        self.keys = [(int(s), p) for s, p in self.keys]
        sums = np.zeros(len(ucode), dtype=cents.dtype)
        np.add.at(sums, self.key, cents[order])
        self.totals = dict(zip(self.keys, sums.tolist(), strict=True))
        # whether each line names a plan (the statement's currency comes from the first that does)
        self.has_plan = order < n
        if len(objs):
            named = np.fromiter((line.plan is not None for line in objs), dtype=bool, count=len(objs))
            late = order >= n
            self.has_plan[late] = named[order[late] - n]

    def first_lines(self, mask: np.ndarray) -> dict:
        """{key number: index of its first line in output order} among the lines where `mask` holds."""
        where = np.flatnonzero(mask)
        ukey, first = np.unique(self.key[where], return_index=True)
        return dict(zip(ukey.tolist(), self.index[where[first]].tolist(), strict=True))

    def in_first_order(self, mask: np.ndarray) -> list[int]:
        """The key numbers of the lines where `mask` holds, in order of their first line."""
        where = np.flatnonzero(mask)
        ukey, first = np.unique(self.key[where], return_index=True)
        return ukey[np.argsort(first, kind="stable")].tolist()


def write_entries(lines: LineKeys, rank: np.ndarray, extra: list[tuple[int, object]]) -> tuple[np.ndarray, ...]:
    """(key rank, position, line) of every line to write, in write order: the keys by `rank` (of each key number;
    −1: not written), each key's lines in output order, then its `extra` lines ((rank, line) pairs: corrections),
    numbered from 0 per key. Lines are their index, extra lines −1 − their place in `extra`."""
    keep = np.flatnonzero(rank[lines.key] >= 0)
    r = np.concatenate([rank[lines.key[keep]], np.asarray([k for k, _ in extra], dtype=np.int64)])
    x = np.concatenate([lines.index[keep], -1 - np.arange(len(extra), dtype=np.int64)])
    seq = np.arange(len(r), dtype=np.int64)  # output order, the extra lines after every line
    order = np.lexsort((seq, r))
    r, x = r[order], x[order]
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if len(r) else np.zeros(0, dtype=np.int64)
    first = np.repeat(starts, np.diff(np.r_[starts, len(r)]))
    return r, np.arange(len(r), dtype=np.int64) - first, x
