"""One small hierarchy of domain errors raised by services (never HTTP errors)."""


class DomainError(Exception):
    code = "invalid"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class PermissionDeniedError(DomainError):
    """The object is visible but this user may not do this to it (segregation of duties, role)."""

    code = "forbidden"
    http_status = 403


class ConflictError(DomainError):
    """The object is in a state that does not allow this (already approved, run in progress)."""

    code = "conflict"
    http_status = 409
