"""What an import tells its caller: counts, and row errors that name file, line, column, value and rule."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_REPORTED_ERRORS = 100


@dataclass(frozen=True)
class RowError:
    """One refused value. `line` counts the header as line 1; `column` is the header name (or
    the 1-based character position for an encoding error)."""

    line: int
    column: str
    value: str
    message: str
    file: str = ""

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "value": self.value, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.file}:" if self.file else "line "
        return f"{where}{self.line}, column {self.column!r}, value {self.value!r}: {self.message}"


@dataclass
class ImportReport:
    """created/updated/unchanged count rows by what happened to them; errors are capped for display
    at MAX_REPORTED_ERRORS but `error_count` always has the full number."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def as_dict(self) -> dict:
        """The JSON the import commands print (`error_count` has the full number of errors)."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
            "error_count": self.error_count,
        }
