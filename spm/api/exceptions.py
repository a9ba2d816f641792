"""The one place where errors become HTTP: a clear message naming what is wrong, never a 500.

Domain errors carry a `field` and a `code`, never a status; the status is chosen here by type.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from spm.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError

STATUS_BY_ERROR = (
    (NotFoundError, status.HTTP_404_NOT_FOUND),
    (PermissionDeniedError, status.HTTP_403_FORBIDDEN),
    (ConflictError, status.HTTP_409_CONFLICT),
    (DomainError, status.HTTP_400_BAD_REQUEST),
)


def domain_error_status(exc: DomainError) -> int:
    return next(code for kind, code in STATUS_BY_ERROR if isinstance(exc, kind))


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = DomainError.from_validation_error(exc)
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=domain_error_status(exc))
    return drf_exception_handler(exc, context)
