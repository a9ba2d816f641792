"""Running a set-based loader and the per-record service it replaces on the same records, for tests
that compare them: what each leaves behind (or the field it refuses), rolled back either way."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from spm.errors import DomainError


class _Rollback(Exception):
    pass


def outcome(load, snapshot) -> tuple:
    """(dict of `load()`'s counts, *`snapshot()`) after `load`, or ("refused", field); nothing kept."""
    try:
        with transaction.atomic():
            try:
                counts = load()
            except (DomainError, ValidationError) as exc:
                return ("refused", exc.field if isinstance(exc, DomainError) else next(iter(exc.error_dict)))
            result = (dict(counts), *snapshot())
            raise _Rollback
    except _Rollback:
        return result
