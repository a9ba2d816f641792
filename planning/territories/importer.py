"""Accounts import: read → clean → load (the shape of spm.imports).

Canonical columns (header names, any order; extra columns are ignored):
``external_id,name,industry,country,region,employees,annual_revenue,latitude,longitude,potential``.
``external_id`` and ``name`` are required in the header and in every row; a column missing from
the header leaves that field as it is on existing accounts (and empty/0 on new ones). An empty cell
clears the field (potential: 0). Rows are upserted by ``external_id``. Any error → nothing written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction

from planning.models import Account
from spm.audit import audit_record
from spm.db.bulk import bulk_insert
from spm.imports import ImportReport, RowError
from spm.tenancy.context import current_tenant

COLUMNS = ("external_id", "name", "industry", "country", "region", "employees", "annual_revenue", "latitude",
           "longitude", "potential")
REQUIRED = ("external_id", "name")


@dataclass(frozen=True)
class RawRow:
    line: int
    values: dict[str, str]  # canonical column -> stripped cell text (only columns in the header)


class CellError(ValueError):
    pass


# --------------------------------------------------------------------------------------------
# read (pure)
# --------------------------------------------------------------------------------------------


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")) + 1
        raise _ReadError(RowError(line=line, column=str(column), value=data[exc.start: exc.end].hex(),
                                  message="not valid UTF-8 text")) from None


class _ReadError(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


def read_csv(data: bytes | str) -> tuple[list[str], list[RawRow]]:
    """(header columns present, rows). Raises _ReadError for undecodable bytes or a bad header."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise _ReadError(RowError(line=1, column="", value="", message="the file is empty: expected a header row")) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise _ReadError(RowError(line=1, column=missing[0], value=",".join(header),
                                  message=f"the header must name the column {missing[0]!r}"))
    index = {c: names.index(c) for c in COLUMNS if c in names}
    rows: list[RawRow] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are not rows
        rows.append(RawRow(line=reader.line_num,
                           values={c: (cells[i].strip() if i < len(cells) else "") for c, i in index.items()}))
    return [c for c in COLUMNS if c in index], rows


def read_records(records: Iterable[dict]) -> tuple[list[str], list[RawRow]]:
    """The API's JSON rows as raw rows: line = position + 1 (as if row 1 were a header)."""
    records = list(records)
    present: list[str] = []
    rows = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise _ReadError(RowError(line=i + 2, column="", value=str(rec)[:80], message="each row must be an object"))
        values = {}
        for c in COLUMNS:
            if c in rec:
                v = rec[c]
                values[c] = "" if v is None else str(v).strip()
                if c not in present:
                    present.append(c)
        rows.append(RawRow(line=i + 2, values=values))
    return [c for c in COLUMNS if c in present or c in REQUIRED], rows


# --------------------------------------------------------------------------------------------
# clean (pure, table-driven)
# --------------------------------------------------------------------------------------------


def _text(max_len: int, required: bool = False) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if required and not value:
            raise CellError("is required")
        if len(value) > max_len:
            raise CellError(f"must be at most {max_len} characters")
        return value
    return parse


def _decimal(*, places: int, lo: Decimal | None = None, hi: Decimal | None = None, blank=None,
             what: str = "a decimal number") -> Callable[[str], Decimal | None]:
    def parse(value: str):
        if not value:
            return blank
        try:
            number = Decimal(value.replace(",", "") if places == 2 else value)
        except InvalidOperation:
            raise CellError(f"must be {what}") from None
        if not number.is_finite():
            raise CellError(f"must be {what}")
        if lo is not None and number < lo or hi is not None and number > hi:
            raise CellError(f"must be {what}")
        quantum = Decimal(1).scaleb(-places)
        if places == 2 and number != number.quantize(quantum):
            raise CellError(f"must be {what} with at most 2 decimal places")
        return number.quantize(quantum, rounding=ROUND_HALF_UP)
    return parse


def _whole(value: str) -> int | None:
    if not value:
        return None
    # isascii(): "²".isdigit() is true but int() refuses it; 2**31 − 1 is the column's (positive integer) top.
    if not (value.isascii() and value.isdigit()):
        raise CellError("must be a whole number >= 0")
    if len(value) > 10 or int(value) > 2_147_483_647:
        raise CellError("must be at most 2147483647")
    return int(value)


MONEY_MAX = Decimal("9999999999999999.99")
CLEANERS: dict[str, Callable[[str], object]] = {
    "external_id": _text(64, required=True),
    "name": _text(200, required=True),
    "industry": _text(60),
    "country": _text(60),
    "region": _text(50),
    "employees": _whole,
    "annual_revenue": _decimal(places=2, lo=Decimal(0), hi=MONEY_MAX, what="an amount >= 0"),
    "latitude": _decimal(places=6, lo=Decimal(-90), hi=Decimal(90), what="a latitude between -90 and 90"),
    "longitude": _decimal(places=6, lo=Decimal(-180), hi=Decimal(180), what="a longitude between -180 and 180"),
    "potential": _decimal(places=2, lo=Decimal(0), hi=MONEY_MAX, blank=Decimal("0.00"), what="an amount >= 0"),
}


def clean(rows: list[RawRow], report: ImportReport, file: str = "") -> list[tuple[int, dict]]:
    """Clean rows → (line, values) with every refused cell recorded on `report`."""
    out = []
    seen: dict[str, int] = {}
    for row in rows:
        values: dict = {}
        ok = True
        cells = dict.fromkeys(REQUIRED, "")  # a JSON row may omit a required column: refuse it, not KeyError
        cells.update(row.values)
        for column, raw in cells.items():
            try:
                values[column] = CLEANERS[column](raw)
            except CellError as exc:
                report.add_error(RowError(line=row.line, column=column, value=raw, message=f"{column} {exc}", file=file))
                ok = False
        ext = values.get("external_id")
        if ext:
            if ext in seen:
                report.add_error(RowError(line=row.line, column="external_id", value=ext, file=file,
                                          message=f"external_id {ext!r} already appears on line {seen[ext]}"))
                ok = False
            else:
                seen[ext] = row.line
        if ok:
            out.append((row.line, values))
    return out


# --------------------------------------------------------------------------------------------
# load (bulk, one transaction, one audit record)
# --------------------------------------------------------------------------------------------


def load(columns: list[str], rows: list[tuple[int, dict]], report: ImportReport, *, actor=None, source: str = "") -> ImportReport:
    fields = [c for c in columns if c != "external_id"]
    with transaction.atomic():
        existing = {a.external_id: a for a in Account.objects.only("id", "external_id", *fields)}
        new_rows, changed = [], []
        for _line, values in rows:
            account = existing.get(values["external_id"])
            if account is None:
                new_rows.append(tuple(values.get(f, _create_default(f)) for f in COLUMNS))
                continue
            diff = [f for f in fields if getattr(account, f) != values[f]]
            if not diff:
                report.unchanged += 1
                continue
            for f in fields:
                setattr(account, f, values[f])
            changed.append(account)
        if new_rows:
            report.created = bulk_insert(Account, list(COLUMNS), new_rows, tenant_id=current_tenant().pk)
        if changed:
            Account.objects.bulk_update(changed, fields, batch_size=1000)
            report.updated = len(changed)
        audit_record(actor=actor, action="account.import", instance=current_tenant(),
                     after={"source": source, **{k: v for k, v in report.as_dict().items() if k != "errors"}})
    return report


def _create_default(field: str):
    return {"potential": Decimal("0.00"), "industry": "", "country": "", "region": ""}.get(field)


def accounts_import(*, data: bytes | str | None = None, records: list | None = None, actor=None,
                    source: str = "") -> ImportReport:
    """Upsert accounts from CSV `data` or JSON `records`; all or nothing.

    Returns the report (its `errors` name line, column, value and rule); when there is any error
    nothing is written and `report.ok` is False. Audited once as account.import with the counts.
    Runs inside the tenant scope.
    """
    report = ImportReport()
    try:
        columns, raw = read_records(records) if records is not None else read_csv(data or b"")
    except _ReadError as exc:
        report.add_error(exc.error)
        return report
    report.rows = len(raw)
    cleaned = clean(raw, report, file=source)
    if not report.ok:
        return report
    return load(columns, cleaned, report, actor=actor, source=source)
