"""COPY text of a run's commission lines (PostgreSQL), made column-wise from a `LineTable`'s columns.

A year at full size writes ~1.65 million commission lines. Made one row tuple at a time (a ~700-byte facts
f-string, a tuple of 21 values, psycopg's formatting of each value), they cost ~10 µs a line of Python; here a
slice's lines are made as lists of pieces — the parts that name a statement, plan, component, deal or group once
per distinct value, the numbers by C-level maps — and each line is one `str.join` of its pieces. The stored
values are those the row tuples stored (tests/compensation/engine/test_engine_table_rows.py).
"""
from __future__ import annotations

from itertools import repeat

import numpy as np

from compensation.engine.table import LineFacts, LineTable, picker
from compensation.models import EarningLine
from spm.db.bulk import copy_escape

NULL = "\\N"
_INT64_MAX = 2**63 - 1
_KIND_TEXT = {k: f"{k}\t" for k in ("direct", "split", "rollup")}  # credit kinds (no character to escape)


def fixed_column(values: list[int], places: int, end: str = "") -> list[str]:
    """Integers counted in 10^-places units as exact decimal text ("-0.000120"), a whole column at once, each
    followed by `end`."""
    scale = 10**places
    fmt = f"%d.%0{places}d{end}"  # printf-style on divmod's pair: ~35 % less than an f-string with a nested spec
    neg = "-" + fmt
    return [fmt % divmod(v, scale) if v >= 0 else neg % divmod(-v, scale) for v in values]


def column_text(result: LineTable, *, run_id, plan_names: dict, deal_ids: dict, d, ends: tuple[str, str]):
    """Maker of the COPY text of the table's commission lines, in the order of `calculation.LINE_FIELDS` between
    `ends` (`spm.db.bulk.copy_line_ends`): given the statement ids, positions and column line indexes of some lines,
    it returns one text line each. The credit is exact micro-units; the attainments are rounded half up to the column's
    6 places from the exact ratio (what PostgreSQL does to the 40-digit Decimal the `Line` carries); the amount
    in cents; quota and rate as `d` adapts them."""
    places = EarningLine._meta.get_field("attainment_before").decimal_places
    scale2 = 2 * 10**places
    prefix, suffix = ends
    run_text = NULL if run_id is None else str(run_id)
    tail = "\t" + NULL + suffix  # adjustment_id, then the line's end

    def attainment(values: np.ndarray, qmicro: np.ndarray) -> list[str]:
        """Half up on the magnitude, exact; each followed by a tab. In int64 when no product can overflow."""
        if (values.dtype == np.int64 and qmicro.dtype == np.int64 and len(values) and int(qmicro.min()) > 0
                and int(qmicro.max()) <= _INT64_MAX // (scale2 + 1)
                and max(int(values.max()), -int(values.min())) // int(qmicro.min()) < _INT64_MAX // scale2):
            whole, rest = np.divmod(np.abs(values), qmicro)  # |v| = whole × q + rest: v / q × 10^places, half up
            units = whole * (scale2 // 2) + (scale2 * rest + qmicro) // (2 * qmicro)
            return fixed_column(np.where(values < 0, -units, units).tolist(), places, "\t")
        return fixed_column([(scale2 * v + q) // (2 * q) if v >= 0 else -((-scale2 * v + q) // (2 * q))
                             for v, q in zip(values.tolist(), qmicro.tolist(), strict=True)], places, "\t")

    consts: dict = {}  # quotas and rates: few distinct values per run, adapted once each

    def const(kind: str, value) -> str:
        key = (kind, value)
        text = consts.get(key)
        if text is None:
            adapted = d("quota" if kind == "q" else "rate", value)
            text = consts[key] = NULL if adapted is None else copy_escape(str(adapted))
        return text

    facts: LineFacts = result.c_facts  # type: ignore[assignment]
    cache: dict = {}  # the text of each component, deal and group, made once for every slice

    def deal_id(key: str) -> str:
        opp = deal_ids.get(key)
        return NULL if opp is None else str(opp)

    def make(st_ids: list, positions: list, idx: np.ndarray) -> list[str]:
        if not len(idx):
            return []
        il = idx.tolist()
        pick = picker(il)
        head = {st: f"{prefix}{st}\t{run_text}\t{seller}\t{copy_escape(period)}\t"
                for st, (seller, period) in dict(zip(st_ids, zip(pick(result.c_seller), pick(result.c_period),
                                                                  strict=True), strict=True)).items()}
        # the columns that depend only on the line's component, deal or (assignment, group): once per entry a run
        pc = facts.per_code("component", idx, lambda c: (
            f"\t{copy_escape(plan_names.get(facts.comp_plan[c], ''))}\t{copy_escape(facts.comps[c].name)}\tcommission\t"),
            cache)
        dl = facts.per_code("deal", idx, lambda c: f"{deal_id(facts.deal_key[c])}\t{copy_escape(facts.deal_key[c])}\t", cache)
        qq = facts.per_code("group", idx, lambda c: f"\t{const('q', facts.ga_quota[c])}\t{copy_escape(facts.ga_qp[c])}\t",
                            cache)
        kinds = list(map(_KIND_TEXT.__getitem__, pick(result.c_credit_kind)))
        rates = pick(result.c_rate)
        rate_ids = list(map(id, rates))
        rate = {k: const("r", r) + "\t" for k, r in dict(zip(rate_ids, rates, strict=True)).items()}
        qmicro = result.c_quota_micro[idx]
        fact_pieces = facts.pieces(idx, copy_escape)
        size = len(il)
        return list(map("".join, zip(
            list(map(head.__getitem__, st_ids)), list(map(str, positions)),
            pc, dl, kinds, fixed_column(result.c_credit[idx].tolist(), 6), qq,
            attainment(result.c_before[idx], qmicro), attainment(result.c_after[idx], qmicro),
            list(map(rate.__getitem__, rate_ids)),
            fact_pieces[LineFacts.CENTS], repeat("\t\t", size), *fact_pieces,
            repeat(tail, size), strict=True)))
    return make
