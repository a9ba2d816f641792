"""The importer shape every importer copies: read → clean → load.

* **read** (pure): bytes/file → typed raw rows, each with its source line number (the header is line 1).
  Undecodable bytes are a `RowError` naming the line and column of the first invalid byte.
* **clean** (pure, table-driven): raw rows → clean rows, collecting `RowError`s for every row instead of
  stopping at the first; a file with any error loads nothing.
* **load** (bulk, one transaction, one audit record with counts): clean rows → upserts through
  `spm.db.bulk`; returns an `ImportReport`.
"""

from spm.imports.failures import load_failure, load_guard
from spm.imports.report import ImportReport, RowError
from spm.imports.table import (
    REQUIRED,
    CellError,
    CleanTable,
    Column,
    RawTable,
    bulk_allocations,
    clean_table,
    errors_csv,
    guess_mapping,
    read_csv,
)

__all__ = [
    "REQUIRED", "CellError", "CleanTable", "Column", "ImportReport", "RawTable", "RowError", "bulk_allocations",
    "clean_table", "errors_csv", "guess_mapping", "load_failure", "load_guard", "read_csv",
]
