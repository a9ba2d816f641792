"""The deals of a scenario file, column by column: the fast half of their validation.

At 1,000,000 deals a check per record and field costs more than the load itself, so the plain
case is checked a column at a time: a column whose types and distinct values are all acceptable is
passed with C-level set operations, and only a column that has a bad value is scanned to find the
records holding one. `fast_columns` returns the parsed columns of every record and the indexes of
the records it does not vouch for (a wrong type, a bad value, an unknown key, a repeated id); the
caller runs its full, wording checks on exactly those, in record order, so the errors and the
parsed values are the same as if every record had gone through the full checks
(tests/hub/test_scenarios_fast.py compares both on mixed good and bad files).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from itertools import repeat

from performance.models import WON_STAGE, stage_flags

KEYS = frozenset({"id", "name", "owner", "amount", "currency", "close_date", "created_date", "stage", "deal_type",
                  "account", "splits", "forecast_category"})
SPLIT_KEYS = frozenset({"seller", "pct"})
CURRENCY = re.compile(r"^[A-Z]{3}$")
NO_SPLITS: tuple = ()


class _Bad:
    """A value the fast checks refuse (the record then takes the full checks)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<bad>"


BAD = _Bad()


@dataclass
class Deals:
    """Parsed deal records as columns (one list per field, one entry per record, in file order).

    `owner`, `account` and split sellers are external ids; `splits` holds a tuple of (seller, pct)
    per record, percentages (fractions already multiplied by 100)."""

    external_id: list
    name: list
    owner: list
    amount: list
    currency: list
    close_date: list
    created_date: list
    stage: list
    deal_type: list
    account: list
    splits: list
    forecast_category: list

    @classmethod
    def empty(cls, n: int = 0) -> Deals:
        return cls(*([None] * n for _ in fields(cls)))

    def __len__(self) -> int:
        return len(self.external_id)

    def record(self, i: int) -> dict:
        return {f.name: getattr(self, f.name)[i] for f in fields(self)}

    def merged(self, n: int, replaced: dict[int, dict | None]) -> Deals:
        """These columns with record i replaced by `replaced[i]` (dropped when None)."""
        out = Deals.empty()
        columns = [(getattr(self, f.name), getattr(out, f.name), f.name) for f in fields(self)]
        for i in range(n):
            if i in replaced:
                rec = replaced[i]
                if rec is None:
                    continue
                for _, dst, name in columns:
                    dst.append(rec[name])
            else:
                for src, dst, _ in columns:
                    dst.append(src[i])
        return out


def _column(dicts: list[dict], key: str, default=None) -> list:
    """rec.get(key, default) of every record, without a Python-level loop."""
    return list(map(dict.get, dicts, repeat(key), repeat(default)))


def _bad_indexes(values: list) -> list[int]:
    return [i for i, v in enumerate(values) if v is BAD] if BAD in values else []


def _texts(column: list) -> list:
    """The full checks' optional text per value: "" for None, the stripped string, BAD otherwise."""
    return [v.strip() if type(v) is str else ("" if v is None else BAD) for v in column]


def _date(value):
    if len(value) != 10:
        return BAD
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return BAD


def _dates(column: list) -> list:
    """None, the date of an ISO YYYY-MM-DD string (parsed once per distinct string), or BAD."""
    parsed = {v: _date(v) for v in {v for v in column if type(v) is str}}
    return [parsed[v] if type(v) is str else (None if v is None else BAD) for v in column]


def _decimal(value):
    if type(value) not in (str, int, float):
        return BAD
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return BAD
    return number if number.is_finite() else BAD


def _decimals(column: list) -> list:
    if set(map(type, column)) == {str}:
        try:
            numbers = [Decimal(v.strip()) for v in column]
        except InvalidOperation:
            return [_decimal(v) for v in column]
        if all(map(Decimal.is_finite, numbers)):
            return numbers
    return [_decimal(v) for v in column]


def _refs(column: list, known, *, optional: bool) -> list[int]:
    """Indexes of values that are not a known string (or None, when optional)."""
    allowed = {str, type(None)} if optional else {str}
    if set(map(type, column)) <= allowed and {v for v in column if v is not None} <= known:
        return []
    return [i for i, v in enumerate(column)
            if not ((optional and v is None) or (type(v) is str and v in known))]


def _split(raw, sellers):
    """The fast path's parse of one record's splits: a tuple of (seller, pct in percent), or BAD."""
    if type(raw) is not list:
        return BAD
    out = []
    for split in raw:
        if type(split) is not dict or not split.keys() <= SPLIT_KEYS:
            return BAD
        seller, pct = split.get("seller"), split.get("pct")
        pct = Decimal(pct) if type(pct) is int else _decimal(pct)  # Decimal(int) == Decimal(str(int)), digit for digit
        if type(seller) is not str or seller not in sellers or pct is BAD or pct <= 0:
            return BAD
        out.append((seller, pct))
    if out:
        pcts = [p for _, p in out]
        if all(p <= 1 for p in pcts) and sum(pcts) <= 1:
            out = [(s, p * 100) for s, p in out]  # fractions → percent
        if sum(p for _, p in out) > 100:
            return BAD
    return tuple(out)


def fast_columns(records: list, sellers, accounts, deal_types, forecast_categories) -> tuple[Deals, list[int]]:
    """Parse `records` column-wise; return (columns, indexes of the records the full checks must take).

    A record not in the returned indexes is valid and parsed exactly as the full checks parse it;
    the columns' entries for the other records are meaningless (the caller replaces them)."""
    n = len(records)
    deal_types, forecast_categories = frozenset(deal_types), frozenset(forecast_categories)
    slow: set[int] = set()
    if set(map(type, records)) <= {dict}:
        dicts = records
    else:
        dicts = [r if type(r) is dict else {} for r in records]
        slow.update(i for i, r in enumerate(records) if type(r) is not dict)
    slow.update(i for i, r in enumerate(dicts) if not r.keys() <= KEYS)

    ids = [v.strip() if type(v) is str else "" for v in _column(dicts, "id")]
    slow.update(i for i, v in enumerate(ids) if not v)
    if len(set(ids)) < n:  # every record of a repeated id takes the full checks, which report the repeat
        repeated = {v for v, count in Counter(ids).items() if count > 1}
        slow.update(i for i, v in enumerate(ids) if v in repeated)

    stage = [s or WON_STAGE for s in _texts(_column(dicts, "stage"))]
    name = _texts(_column(dicts, "name"))
    currency = _texts(_column(dicts, "currency"))
    bad_currencies = {c for c in set(currency) - {BAD} if c and not CURRENCY.match(c)}
    slow.update(_bad_indexes(stage) + _bad_indexes(name) + _bad_indexes(currency))
    if bad_currencies:
        slow.update(i for i, c in enumerate(currency) if c in bad_currencies)

    close = _dates(_column(dicts, "close_date"))
    created = _dates(_column(dicts, "created_date"))
    slow.update(_bad_indexes(close) + _bad_indexes(created))
    if None in close:  # a won deal needs its close date
        won = {s: stage_flags(s)[1] for s in set(stage) - {BAD}}
        slow.update(i for i, (c, s) in enumerate(zip(close, stage, strict=True)) if c is None and s is not BAD and won[s])

    owner = _column(dicts, "owner")
    account = _column(dicts, "account")
    deal_type = _column(dicts, "deal_type", "new_logo")
    category = _column(dicts, "forecast_category")
    slow.update(_refs(owner, sellers, optional=False) + _refs(account, accounts, optional=True)
                + _refs(deal_type, deal_types, optional=False) + _refs(category, forecast_categories, optional=True))

    amount = _decimals(_column(dicts, "amount"))
    slow.update(_bad_indexes(amount))

    splits = [NO_SPLITS] * n
    for i, raw in enumerate(_column(dicts, "splits")):
        if raw:
            parsed = splits[i] = _split(raw, sellers)
            if parsed is BAD:
                slow.add(i)

    columns = Deals(external_id=ids, name=name, owner=owner, amount=amount,
                    currency=[c or None for c in currency], close_date=close, created_date=created, stage=stage,
                    deal_type=deal_type, account=account, splits=splits, forecast_category=category)
    return columns, sorted(slow)
