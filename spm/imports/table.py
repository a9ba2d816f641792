"""Read and clean: the two pure halves of every importer (no Django, no database).

**read** — `read_csv(data, file=…, encoding=…)` turns the bytes of a CSV file into a `RawTable`: the
header, the records as lists of strings and the physical line each record starts on (the header is
line 1). A file that is not valid in its encoding yields one `RowError` at the line and column (the
1-based character position in that line) of its first invalid byte.

**clean** — `clean_table(table, columns, …)` is table-driven: each `Column` names its canonical header,
whether the column must be present, a parser (a function `str -> value` raising `CellError`) and the
value a blank cell takes (or that blank is refused). It maps source headers to canonical ones
(`mapping`), parses column by column (a parser sees each distinct raw value once: a million rows with
a few thousand distinct dates parse a few thousand dates), and collects a `RowError` for every bad
cell instead of stopping at the first. The result is columnar: `{column: [value per row]}` plus the
line numbers, so loaders build their bulk rows without a dict per row.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

from spm.imports.report import RowError

#: Sentinel for "a blank cell is an error" (as opposed to a blank meaning a default value).
REQUIRED = object()


class CellError(ValueError):
    """Raised by a parser: the message is the rule the value broke."""


@dataclass
class RawTable:
    file: str
    header: list[str]
    rows: Sequence[list[str]]
    lines: list[int]  # physical line each record starts on; the header is line 1
    columns: list[CodedColumn] | None = None  # the same cells column by column, when read that way

    def __len__(self) -> int:
        return len(self.rows)

    def cell(self, r: int, column: str, mapping: dict | None = None) -> str:
        """Record `r`'s cell of canonical `column` (read from the file's header `mapping` names for it, else
        the header of that name) as written in the file ("" when the column or the cell is absent): what a
        row rule's error names as its value, rather than the parsed value."""
        try:
            i = self.header.index((mapping or {}).get(column, column))
        except ValueError:
            return ""
        if self.columns is not None:
            return self.columns[i][r] if i < len(self.columns) else ""
        row = self.rows[r]
        return row[i] if i < len(row) else ""


class _RowsOfColumns(Sequence):
    """The rows of a table read column by column, built only if someone asks for them."""

    def __init__(self, columns: list[list[str]], n: int) -> None:
        self._columns, self._n = columns, n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self._n))]
        return [c[k] for c in self._columns]


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = True  # the column must be in the file
    blank: Any = REQUIRED  # value of a blank cell; REQUIRED refuses blank cells
    aliases: tuple[str, ...] = ()  # other headers that mean this column (guessing a mapping)


@dataclass
class CleanTable:
    file: str
    lines: list[int]
    values: dict[str, list] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)  # canonical columns the file had

    def __len__(self) -> int:
        return len(self.lines)


@contextmanager
def bulk_allocations() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic objects (cells, parsed values, row
    tuples) are built: each full collection walks every one of them, which made cleaning a million rows
    about a third slower. The previous state is restored, whatever happens."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- read ---------------------------------------------------------------------------------------


def _encoding_error(data: bytes, exc: UnicodeDecodeError, *, file: str, encoding: str) -> RowError:
    start = exc.start
    before = data[:start]
    # Lines end as the csv reader ends them (\n, \r\n or a lone \r); a BOM is no character of line 1.
    line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
    line_start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
    prefix = data[line_start:start].decode(encoding, errors="replace")
    column = len(prefix.removeprefix("\ufeff") if line_start == 0 else prefix) + 1
    bad = data[start:exc.end] or data[start:start + 1]
    return RowError(
        line=line, column=str(column), value="0x" + bad.hex(), file=file,
        message=(f"not valid {encoding}: byte 0x{bad[:1].hex()} at line {line}, column {column}; "
                 "save the file as UTF-8 or name its encoding (--encoding, e.g. cp1252 or latin-1)"),
    )


def decode(data: bytes, *, file: str = "", encoding: str | None = None) -> tuple[str | None, RowError | None]:
    """The text of `data` in `encoding` (default UTF-8, a BOM is dropped), or the error at its first bad byte."""
    name = encoding or "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        return None, RowError(line=1, column="", value=name, file=file, message=f"unknown encoding {name!r}")
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        return None, _encoding_error(data, exc, file=file, encoding=name)
    return text.removeprefix("\ufeff"), None


def read_csv(data: bytes | str, *, file: str = "", encoding: str | None = None) -> tuple[RawTable | None, list[RowError]]:
    """Parse CSV bytes (or text) into a RawTable; errors: bad encoding, no header, a broken quote."""
    if isinstance(data, bytes):
        text, error = decode(data, file=file, encoding=encoding)
        if error is not None:
            return None, [error]
    else:
        text = data.removeprefix("\ufeff")
    fast = _read_plain(text, file)
    if fast is not None:
        return fast, []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return None, [RowError(line=1, column="", value="", file=file, message="the file is empty: a header line is required")]
    except csv.Error as exc:
        return None, [RowError(line=1, column="", value="", file=file, message=f"not a CSV file: {exc}")]
    header = [h.strip() for h in header]
    try:
        records = list(reader)  # the C loop; line numbers are recovered below
    except csv.Error as exc:
        return None, [RowError(line=reader.line_num, column="", value="", file=file, message=f"not a CSV file: {exc}")]
    if reader.line_num == len(records) + 1:  # one line per record (the usual case): line = index + 2
        keep = [k for k, r in enumerate(records) if not r or not any(r)]
        if keep:
            blank = set(keep)
            lines = [k + 2 for k in range(len(records)) if k not in blank]
            rows = [r for k, r in enumerate(records) if k not in blank]
        else:
            lines, rows = list(range(2, len(records) + 2)), records
    else:  # quoted line breaks: read again, noting where each record starts
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader)
        rows, lines = [], []
        last = reader.line_num
        for record in reader:
            if record and any(record):
                rows.append(record)
                lines.append(last + 1)
            last = reader.line_num
    return RawTable(file=file, header=header, rows=rows, lines=lines), []


#: Files with at least this many lines may take pandas' C reader (`_read_plain`); smaller ones, and any
#: file it cannot read exactly as the csv module would, take the csv module.
FAST_MIN_LINES = 2000
#: Records per chunk of the fast reader (its peak of Python strings).
READ_CHUNK = 100_000
_FIELD_LIMIT = csv.field_size_limit()


def _has_all_comma_line(data: bytes) -> bool:
    """Whether a line of `data` is nothing but commas (only lines starting with one are looked at)."""
    at = 0
    while True:
        if data.startswith(b",", at):
            end = data.find(b"\n", at)
            if not (data[at:] if end < 0 else data[at:end]).strip(b","):
                return True
        found = data.find(b"\n,", at)
        if found < 0:
            return False
        at = found + 1


class CodedColumn(Sequence):
    """A column read by pandas as codes into its distinct values: cell k is `uniques[codes[k]]`. A million
    cells with a few thousand distinct values hold a few thousand strings, not a million, and
    `clean_table` parses and maps them as arrays (each distinct value still goes through the parser once)."""

    def __init__(self, codes, uniques: list[str]) -> None:
        self.codes, self.uniques = codes, uniques

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        return self.uniques[self.codes[k]]


def _read_plain(text: str, file: str) -> RawTable | None:
    """A big file with no quotes or NULs, no blank (or all-empty) lines and no line longer than the csv module
    allows a field is read by pandas' C reader column by column (several times faster than csv.reader), each
    column as codes into its distinct values (`CodedColumn`). Without quotes every record is one line, so
    record k is line k + 2 — the same lines, cells and errors as the csv module. Anything else returns None
    (the caller reads it the csv module's way). The lines are checked as arrays over the encoded bytes (no
    list of a million line strings)."""
    if text.count("\n") < FAST_MIN_LINES or '"' in text or "\0" in text:
        return None
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415 (pandas loads only when a big file needs it)

    data = text.replace("\r\n", "\n").encode()
    if b"\r" in data:
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)  # each line ends at its newline (the last one may have none)
    if not data.endswith(b"\n"):
        ends = np.append(ends, len(raw))
    commas = np.flatnonzero(raw == 44)
    del raw
    starts = np.concatenate(([0], ends[:-1] + 1))
    # A blank line or an all-empty record (nothing but commas) is not one record per line; the lengths are in
    # bytes, at least the characters, so a line too long for the csv module is never let through.
    if (not len(ends) or (ends == starts).any() or (ends - starts).max() > _FIELD_LIMIT
            or _has_all_comma_line(data)):
        return None
    per_line = np.diff(np.searchsorted(commas, ends), prepend=0)
    header = [h.strip() for h in data[:ends[0]].decode().split(",")]
    width = int(per_line.max()) + 1
    short = bool(per_line.min() + 1 < width)  # some records have fewer cells than others
    del ends, starts, commas, per_line
    # Chunks of text cells (dtype=object: the strings as written, "0100" stays 0100; factorising them is three
    # times faster than pandas' str dtype), each column factorised per chunk, then the chunks' distinct values
    # once more: only one chunk's cells are ever Python strings at once.
    codes: list[list] = [[] for _ in range(width)]
    distinct: list[list] = [[] for _ in range(width)]
    offset = [0] * width
    n = 0
    for chunk in pd.read_csv(io.BytesIO(data), header=None, skiprows=1, names=range(width), dtype=object,
                             na_filter=False, engine="c", skip_blank_lines=False, quoting=csv.QUOTE_NONE,
                             encoding="utf-8", chunksize=READ_CHUNK):
        n += len(chunk)
        for c in range(width):
            cells = chunk[c]
            if short and cells.hasnans:  # a short record's missing cells are "" (as clean reads them)
                cells = cells.fillna("")
            chunk_codes, chunk_distinct = pd.factorize(cells)
            codes[c].append(chunk_codes + offset[c])
            distinct[c].append(chunk_distinct)
            offset[c] += len(chunk_distinct)
    del data
    columns = []
    for c in range(width):
        if len(codes[c]) == 1:
            column_codes, uniques = codes[c][0], distinct[c][0]
        else:
            merged, uniques = pd.factorize(np.concatenate(distinct[c]) if distinct[c] else np.array([], dtype=object))
            column_codes = merged[np.concatenate(codes[c])] if codes[c] else np.zeros(0, dtype=np.int64)
        columns.append(CodedColumn(column_codes.astype(np.int32), uniques.tolist()))
    return RawTable(file=file, header=header, rows=_RowsOfColumns(columns, n), lines=list(range(2, n + 2)),
                    columns=columns)


# --- mapping ------------------------------------------------------------------------------------


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


def guess_mapping(header: Iterable[str], columns: Iterable[Column]) -> dict[str, str]:
    """{canonical column: source header} guessed by name, ignoring case, spaces and punctuation,
    then by the columns' aliases. Canonical headers map to themselves."""
    by_norm: dict[str, str] = {}
    for h in header:
        by_norm.setdefault(_norm(h), h)
    mapping = {}
    for col in columns:
        for candidate in (col.name, *col.aliases):
            source = by_norm.get(_norm(candidate))
            if source is not None and source not in mapping.values():
                mapping[col.name] = source
                break
    return mapping


# --- clean --------------------------------------------------------------------------------------


def clean_table(
    table: RawTable,
    columns: list[Column],
    *,
    mapping: dict[str, str] | None = None,
    errors: list[RowError] | None = None,
) -> tuple[CleanTable, list[RowError]]:
    """Parse every cell of the canonical `columns` (extra columns are ignored, never an error).

    `mapping` ({canonical: source header}) defaults to the headers as they are. A missing required
    column is one error at line 1 (then no cell of that column is checked). Refused cells keep
    None in their slot; the caller loads nothing when any error was collected.
    """
    with bulk_allocations():
        return _clean_table(table, columns, mapping=mapping, errors=[] if errors is None else errors)


def _clean_table(table: RawTable, columns: list[Column], *, mapping: dict[str, str] | None,
                 errors: list[RowError]) -> tuple[CleanTable, list[RowError]]:
    mapping = dict(mapping or {})
    index = {h: i for i, h in reversed(list(enumerate(table.header)))}
    out = CleanTable(file=table.file, lines=table.lines)
    n = len(table.rows)
    shortest = min(map(len, table.rows), default=0) if table.columns is None else 0
    for col in columns:
        source = mapping.get(col.name, col.name)
        i = index.get(source)
        if i is None:
            if col.required:
                errors.append(RowError(line=1, column=col.name, value="", file=table.file,
                                       message=f"required column {col.name!r} is missing from the header"))
            out.values[col.name] = [None if col.blank is REQUIRED else col.blank] * n
            continue
        out.present.add(col.name)
        if table.columns is not None:
            raw_values = table.columns[i] if i < len(table.columns) else [""] * n
            if isinstance(raw_values, CodedColumn):
                out.values[col.name] = _clean_coded(table, col, raw_values, errors)
                continue
        elif shortest > i:
            raw_values = list(map(itemgetter(i), table.rows))
        else:
            raw_values = [row[i] if i < len(row) else "" for row in table.rows]
        parsed, failed = _parse_distinct(col, set(raw_values))
        if failed:
            for r, raw in enumerate(raw_values):
                if raw in failed:
                    errors.append(RowError(line=table.lines[r], column=col.name, value=raw, message=failed[raw],
                                           file=table.file))
            get = parsed.get
            out.values[col.name] = [get(raw) for raw in raw_values]
        else:
            out.values[col.name] = list(map(parsed.__getitem__, raw_values))
    return out, errors


def _parse_distinct(col: Column, distinct: set[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Each distinct raw value of `col` parsed once: ({raw: value}, {raw: error message})."""
    parsed: dict[str, Any] = {}
    failed: dict[str, str] = {}
    fast = getattr(col.parse, "fast", None)
    if fast is not None:  # the common spelling converted in one pass; the rest go through the parser
        pattern, convert = fast
        plain = [raw for raw in distinct if pattern.fullmatch(raw)]
        parsed.update(zip(plain, map(convert, plain), strict=True))
        distinct = distinct.difference(plain)
    for raw in distinct:
        stripped = raw.strip()
        if not stripped:
            if col.blank is REQUIRED:
                failed[raw] = "a value is required"
            else:
                parsed[raw] = col.blank
            continue
        try:
            parsed[raw] = col.parse(stripped)
        except CellError as exc:
            failed[raw] = str(exc)
    return parsed, failed


_OTHER = object()


def _clean_coded(table: RawTable, col: Column, coded: CodedColumn, errors: list[RowError]) -> list:
    """`clean_table` of one coded column: its distinct values parsed once, then mapped onto the rows as
    arrays; refused cells are None and one RowError each, in row order (as the per-cell path gives)."""
    import numpy as np  # noqa: PLC0415

    uniques = coded.uniques  # distinct already
    limit = getattr(col.parse, "plain_text", None)
    if limit is not None:  # text as it is (no surrounding blanks, short enough) is its own value: no call
        lookup_values = [raw if raw and len(raw) <= limit and not raw[0].isspace() and not raw[-1].isspace()
                         else _OTHER for raw in uniques]
        others = [raw for raw, value in zip(uniques, lookup_values, strict=True) if value is _OTHER]
        parsed, failed = _parse_distinct(col, set(others))
        if others:
            lookup_values = [parsed.get(raw) if value is _OTHER else value
                             for raw, value in zip(uniques, lookup_values, strict=True)]
    else:
        parsed, failed = _parse_distinct(col, set(uniques))
        lookup_values = list(map(parsed.get, uniques))
    lookup = np.empty(len(uniques), dtype=object)
    lookup[:] = lookup_values  # scalars (text, Decimal, date, bool, int, None)
    if failed:
        bad = [k for k, raw in enumerate(coded.uniques) if raw in failed]
        for r in np.flatnonzero(np.isin(coded.codes, bad)).tolist():
            raw = coded.uniques[coded.codes[r]]
            errors.append(RowError(line=table.lines[r], column=col.name, value=raw, message=failed[raw], file=table.file))
    return lookup[coded.codes].tolist()


# --- parsers (pure; each raises CellError naming the rule) ----------------------------------------

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def parse_text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise CellError(f"longer than {max_length} characters")
        return value
    parse.plain_text = max_length  # a stripped value up to max_length is returned as it is (clean_table skips the call)
    return parse


def parse_decimal(*, minimum: Decimal | None = None, maximum: Decimal | None = None, places: int = 2,
                  what: str = "a number", whole_digits: int | None = None) -> Callable[[str], Decimal]:
    """A plain decimal number (a thousands separator `,` is allowed; `12k`, `1e3` or `$5` are not), with at
    most `whole_digits` digits before the point when given (what the column stores: more is a cell error,
    not a database overflow)."""
    quantum = Decimal(1).scaleb(-places)
    limit = None if whole_digits is None else Decimal(10) ** whole_digits

    def parse(value: str) -> Decimal:
        if value.replace(".", "", 1).isdigit() and value.isascii():  # the common case: 4821 or 4821.00
            number = Decimal(value)
        else:
            text = value.replace(",", "") if _THOUSANDS.fullmatch(value) else value
            if not _DECIMAL.fullmatch(text):
                raise CellError(f"not {what}: use digits with an optional decimal point (no units, letters or symbols)")
            try:
                number = Decimal(text)
            except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
                raise CellError(f"not {what}") from None
        if number.as_tuple().exponent < -places:
            try:
                number = number.quantize(quantum, rounding=ROUND_HALF_UP)  # money rounds half up (DESIGN rule 10)
            except InvalidOperation:  # more digits than Decimal's precision: far too large anyway
                raise CellError(f"too large (is {value})") from None
        if limit is not None and abs(number) >= limit:
            raise CellError(f"too large: at most {whole_digits} digits before the decimal point (is {value})")
        if minimum is not None and number < minimum:
            raise CellError(f"must not be negative (is {value})" if minimum == 0 else f"must be at least {minimum}")
        if maximum is not None and number > maximum:
            raise CellError(f"must be at most {maximum}")
        return number + 0  # normalise -0
    if (minimum is None or minimum <= 0) and maximum is None:
        # ASCII digits with at most `places` decimals: Decimal(value) is exactly what parse returns
        # (nothing to quantize, never negative or -0); clean_table converts these without the call.
        whole = "+" if whole_digits is None else f"{{1,{whole_digits}}}"
        parse.fast = (re.compile(rf"[0-9]{whole}(\.[0-9]{{0,{places}}})?"), Decimal)
    return parse


def parse_date(value: str) -> dt.date:
    """An ISO date (2027-03-31); an ISO date-time keeps its date."""
    try:
        return dt.date.fromisoformat(value[:10]) if len(value) == 10 else dt.datetime.fromisoformat(value).date()
    except ValueError:
        raise CellError("not a date: use YYYY-MM-DD") from None


_TRUE = {"true", "t", "yes", "y", "1", "won", "closed"}
_FALSE = {"false", "f", "no", "n", "0", "open", "lost"}


def parse_bool(value: str) -> bool:
    low = value.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise CellError("not a yes/no value: use true or false (or 1/0, yes/no)")


def parse_choice(choices: dict[str, str], what: str) -> Callable[[str], str]:
    """One of `choices` ({accepted spelling, lower-case: stored value}), compared ignoring case, spaces and _."""
    table = {re.sub(r"[\s_-]+", "", k.lower()): v for k, v in choices.items()}
    # The message names the first spelling of each stored value (`rep`, not only the stored `AE`).
    first = {}
    for k, v in choices.items():
        first.setdefault(v, k)
    names = ", ".join(k if k.lower() == v.lower() else f"{k} ({v})" for v, k in first.items())

    def parse(value: str) -> str:
        hit = table.get(re.sub(r"[\s_-]+", "", value.lower()))
        if hit is None:
            raise CellError(f"not a known {what}: use one of {names}")
        return hit
    return parse


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def parse_email(value: str) -> str:
    if not _EMAIL.fullmatch(value) or len(value) > 254:
        raise CellError("not an e-mail address")
    return value.lower()


_CURRENCY = re.compile(r"[A-Za-z]{3}")


def parse_currency(value: str) -> str:
    if not _CURRENCY.fullmatch(value):
        raise CellError("not a currency: use a 3-letter ISO code such as USD")
    return value.upper()


def errors_csv(errors: Iterable[RowError]) -> str:
    """The error file: one line per refused cell (file, line, column, value, message)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["file", "line", "column", "value", "message"])
    for e in errors:
        writer.writerow([e.file, e.line, e.column, e.value, e.message])
    return buf.getvalue()
