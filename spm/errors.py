"""One small hierarchy of domain errors raised by services (never HTTP errors).

A domain error says what is wrong in words, and (when it is about one input) which `field`; the
`code` is a stable machine-readable reason. How an error maps to HTTP lives in one place, the API
exception handler (`spm.api.exceptions`); pages put it on the form (`spm.web.forms.add_service_error`).
"""

from __future__ import annotations


class DomainError(Exception):
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    @classmethod
    def from_validation_error(cls, exc) -> DomainError:
        """A Django ValidationError (from full_clean) as a DomainError naming its first field."""
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.error_dict.items()))
            messages = [m for e in errors for m in e.messages]
            name = None if field == "__all__" else field
            text = "; ".join(messages)
            return cls(f"{name}: {text}" if name else text, field=name)
        return cls("; ".join(exc.messages))


class NotFoundError(DomainError):
    """A referenced object does not exist in this tenant (or the viewer may not see it)."""

    code = "not_found"


class PermissionDeniedError(DomainError):
    """The object is visible but this user may not do this to it (segregation of duties, role)."""

    code = "forbidden"


class ConflictError(DomainError):
    """The object is in a state that does not allow this (already approved, run in progress)."""

    code = "conflict"


class ServiceUnavailableError(DomainError):
    """A service the request needs is down (the task queue); nothing was written. Retry later."""

    code = "unavailable"
