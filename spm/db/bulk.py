"""Bulk writes for importers and the demo generator: one round trip per batch, never per row.

PostgreSQL: rows are COPYed into a temporary staging table and moved with one
``INSERT … SELECT``. COPY FROM is refused on tables with row-level security, and the staging
insert goes through the tenant policy's WITH CHECK like any other insert, so RLS still guards
every row. SQLite (the embedded demo): ``executemany`` in batches, values prepared by the model
fields once per column kind.

Callers run inside ``tenant_atomic(tenant)``; ``tenant_id`` is added to every row here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

BATCH = 5000


def _columns(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [(by_attname.get(name) or model._meta.get_field(name)).column for name in fields]


def constant_columns(model: type[models.Model], fields: Sequence[str]) -> tuple[list[str], tuple]:
    """Columns the caller does not give, with the model's default (Django defaults are not DB defaults)."""
    given = set(fields) | {"tenant_id", "id"}
    cols, values = [], []
    for f in model._meta.concrete_fields:
        if f.attname in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = timezone.now()
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        else:
            value = ""
        cols.append(f.column)
        values.append(f.get_db_prep_save(value, connection))
    return cols, tuple(values)


def _sqlite_value(value):
    # sqlite3's default adapters are deprecated; store what Django itself would store.
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _executemany_in_batches(sql: str, params: Iterable[tuple]) -> int:
    """SQLite path: `executemany` BATCH rows at a time (memory stays flat); returns the row count."""
    count = 0
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for row in params:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


class CopyText:
    """Rows already made as COPY text (PostgreSQL): `count` whole lines of every column of the table's COPY, the
    tenant's first (`copy_line_ends` gives the text before and after the given fields). `bulk_insert` writes it as
    it is, in its place among the other rows: a caller that makes its rows column-wise skips a tuple and
    psycopg's formatting per row."""

    __slots__ = ("text", "count")

    def __init__(self, text: str, count: int):
        self.text, self.count = text, count


def copy_line_ends(model: type[models.Model], fields: Sequence[str], tenant_id: int) -> tuple[str, str]:
    """The COPY text `bulk_insert` puts before `fields` (the tenant id) and after them (the model's defaults of
    the columns not given, and the line's end) on each line."""
    _, extra = constant_columns(model, fields)
    return f"{tenant_id}\t", "".join(f"\t{v}" for v in copy_text(list(extra))) + "\n"


def copy_escape(value: str) -> str:
    """A text value as a COPY text field (backslash, tab, newline and carriage return escaped)."""
    return _escape(value) if _COPY_SPECIAL.search(value) else value


def bulk_insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence | CopyText], *,
                tenant_id: int) -> int:
    """Insert `rows` (tuples in the order of `fields`, model field names or ``<fk>_id``; on PostgreSQL also
    `CopyText` chunks of whole lines).

    Returns the number of rows written. No per-row query; no model instances are built.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    extra_cols, extra = constant_columns(model, fields)
    cols = ["tenant_id", *_columns(model, fields), *extra_cols]
    col_sql = ", ".join(connection.ops.quote_name(c) for c in cols)
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS _bulk_stage")
            cursor.execute(f"CREATE TEMP TABLE _bulk_stage ON COMMIT DROP AS SELECT {col_sql} FROM {table} WITH NO DATA")
            with cursor.copy(f"COPY _bulk_stage ({col_sql}) FROM STDIN") as copy:
                for row in rows:
                    if row.__class__ is CopyText:
                        copy.write(row.text)
                        count += row.count
                    else:
                        copy.write_row((tenant_id, *row, *extra))
                        count += 1
            cursor.execute(f"INSERT INTO {table} ({col_sql}) SELECT {col_sql} FROM _bulk_stage")
            cursor.execute("DROP TABLE _bulk_stage")
        return count
    placeholders = ", ".join(["%s"] * len(cols))
    sql = f"INSERT INTO {table} ({col_sql}) VALUES ({placeholders})"
    return _executemany_in_batches(sql, ((tenant_id, *(_sqlite_value(v) for v in row), *extra) for row in rows))


def id_map(model: type[models.Model], key: str = "external_id") -> dict:
    """{external id: primary key} of the tenant in scope, in one query."""
    return dict(model.objects.order_by().values_list(key, "id"))


def bulk_update(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Set `fields` of the rows whose primary key is each row's first value: rows are (pk, *values).

    PostgreSQL: COPY into a temporary table, then one ``UPDATE … FROM`` (RLS applies to the target
    rows as to any update). SQLite: ``executemany`` in batches. Returns the number of rows given.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    cols = _columns(model, fields)
    quoted = [connection.ops.quote_name(c) for c in cols]
    count = 0
    if connection.vendor == "postgresql":
        col_sql = ", ".join([pk, *quoted])
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS _bulk_update")
            cursor.execute(f"CREATE TEMP TABLE _bulk_update ON COMMIT DROP AS SELECT {col_sql} FROM {table} WITH NO DATA")
            with cursor.copy(f"COPY _bulk_update ({col_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            if count:
                sets = ", ".join(f"{c} = s.{c}" for c in quoted)
                cursor.execute(f"UPDATE {table} AS t SET {sets} FROM _bulk_update AS s WHERE t.{pk} = s.{pk}")
            cursor.execute("DROP TABLE _bulk_update")
        return count
    sets = ", ".join(f"{c} = %s" for c in quoted)
    sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"
    return _executemany_in_batches(sql, ((*(_sqlite_value(v) for v in row[1:]), row[0]) for row in rows))


# --- COPY from columns (PostgreSQL) ---------------------------------------------------------------

COPY_CHUNK = 50_000
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_text(values: list) -> list[str]:
    """One column as COPY text fields: None → \\N, booleans t/f, dates ISO, strings escaped, others str().

    Column-wise: a column of one type is converted with one C-level map, strings are escaped only
    when the column holds a special character, and dates are formatted once per distinct date."""
    kinds = set(map(type, values))
    nulls = type(None) in kinds
    kinds.discard(type(None))
    if not kinds:
        return ["\\N"] * len(values)
    if kinds == {str}:
        text = values
        if _COPY_SPECIAL.search("".join(v for v in values if v is not None) if nulls else "".join(values)):
            text = [v if v is None else _escape(v) for v in values]
    elif kinds == {bool}:
        text = [None if v is None else ("t" if v else "f") for v in values]
    elif kinds <= {int, Decimal}:
        text = [None if v is None else str(v) for v in values] if nulls else list(map(str, values))
    elif kinds == {dt.date}:
        iso = {d: d.isoformat() for d in set(values) if d is not None}
        text = [iso[v] if v is not None else None for v in values]
    else:
        text = [None if v is None else (_escape(v) if isinstance(v, str) else
                                         ("t" if v else "f") if isinstance(v, bool) else
                                         v.isoformat() if isinstance(v, dt.date) else str(v)) for v in values]
    return [v if v is not None else "\\N" for v in text] if nulls else text


def copy_columns(cursor, table: str, names: Sequence[str], columns: Sequence[list]) -> int:
    """COPY rows given as columns (equal-length lists, in the order of `names`) into `table`.

    For the staging tables of set-based loads: no per-row Python call, the text of COPY_CHUNK rows
    is built with C-level joins and sent in one write. Returns the number of rows."""
    n = len(columns[0]) if columns else 0
    col_sql = ", ".join(connection.ops.quote_name(c) for c in names)
    with cursor.copy(f"COPY {table} ({col_sql}) FROM STDIN") as copy:
        for start in range(0, n, COPY_CHUNK):
            text = [copy_text(c[start:start + COPY_CHUNK]) for c in columns]
            copy.write("\n".join(map("\t".join, zip(*text, strict=True))) + "\n")
    return n
