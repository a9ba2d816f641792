"""A load the database refused mid-way (disk full, a constraint, a lost connection), said in words.

A load runs in one transaction, so such a failure writes nothing — not even the tenant a first import
creates. `load_guard` turns the driver's exception into a DomainError that names the file and the
cause and says that nothing was imported: commands print it and exit non-zero, the API answers it in
the error shape (503 for a server-side cause, 409 for a refused row), pages show it, and an import
job is marked failed with it. The original exception is logged with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, IntegrityError, connection

from spm.errors import ConflictError, DomainError, ServiceUnavailableError

logger = logging.getLogger(__name__)


def _driver_error(exc: BaseException):
    return exc.__cause__ if exc.__cause__ is not None else exc


def _driver_errors() -> tuple[type[Exception], ...]:
    # Django wraps the driver's errors of execute(); a COPY (psycopg's cursor.copy) raises them unwrapped.
    return (DatabaseError, connection.Database.Error)


def load_failure(exc: Exception, *, what: str) -> DomainError:
    """The DomainError to raise for database error `exc` during the load of `what` (a file name)."""
    driver = _driver_error(exc)
    diag = getattr(driver, "diag", None)
    detail = (getattr(diag, "message_primary", None) or str(driver).splitlines()[0] if str(driver) else "").strip()
    sqlstate = getattr(driver, "sqlstate", None) or ""
    if sqlstate == "53100" or type(driver).__name__ == "DiskFull":
        return ServiceUnavailableError(
            f"{what}: the database ran out of disk space during the load, so nothing was imported; "
            "import the file again once space has been freed.", code="load_failed")
    if isinstance(exc, IntegrityError | connection.Database.IntegrityError):
        constraint = getattr(diag, "constraint_name", None)
        return ConflictError(
            f"{what}: the database refused the data ({detail}"
            + (f"; constraint {constraint}" if constraint else "") + "), so nothing was imported.",
            code="load_failed")
    return ServiceUnavailableError(
        f"{what}: the database failed during the load ({detail or type(driver).__name__}), so nothing was "
        "imported; try again in a moment.", code="load_failed")


@contextmanager
def load_guard(what: str) -> Iterator[None]:
    """Wrap a load's transaction (`with load_guard(file), transaction.atomic(): …`): the transaction
    has rolled back when the translated error leaves here."""
    try:
        yield
    except _driver_errors() as exc:
        logger.exception("import load failed in the database; rolled back", extra={"file": what})
        raise load_failure(exc, what=what) from exc
