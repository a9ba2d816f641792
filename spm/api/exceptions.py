"""The one place where errors become HTTP: a clear message naming what is wrong, never a 500.

Every 4xx answer of the API has ONE shape (the `Error` component of the OpenAPI schema):

    {"detail": "period: Enter a month as YYYY-MM.",      # always a string, for people
     "code": "invalid",                                  # stable machine-readable reason
     "field": "period",                                  # only when one input is at fault
     "errors": {"period": ["Enter a month as YYYY-MM."]}} # field -> messages; {} when none

Domain errors carry a `field` and a `code`, never a status; the status is chosen here by type.
DRF's own errors (validation, 401, 403, 404, 405, 406, 415, 429) are reshaped the same way;
nested serializer errors are flattened to dotted keys (``document.currency``,
``splits[0].seller``); errors that belong to no field go under ``non_field_errors``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from spm.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError, ServiceUnavailableError

STATUS_BY_ERROR = (
    (ServiceUnavailableError, status.HTTP_503_SERVICE_UNAVAILABLE),
    (NotFoundError, status.HTTP_404_NOT_FOUND),
    (PermissionDeniedError, status.HTTP_403_FORBIDDEN),
    (ConflictError, status.HTTP_409_CONFLICT),
    (DomainError, status.HTTP_400_BAD_REQUEST),
)
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
MAX_DETAIL_FIELDS = 3


def domain_error_status(exc: DomainError) -> int:
    return next(code for kind, code in STATUS_BY_ERROR if isinstance(exc, kind))


def error_body(*, detail: str, code: str, errors: dict[str, list[str]] | None = None, field: str | None = None) -> dict:
    """The one error body (also used by non-DRF JSON answers such as the API's 404 handler)."""
    body: dict = {"detail": detail, "code": code, "errors": errors or {}}
    if field:
        body["field"] = field
    return body


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested `ValidationError.detail` as {dotted.field: [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == NON_FIELD and prefix:
                name = prefix
            for k, v in flatten_errors(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list | tuple):
        if any(isinstance(item, dict | list | tuple) for item in detail):
            for index, item in enumerate(detail):
                if item:  # a many=True serializer lists {} for the items that are fine
                    for k, v in flatten_errors(item, f"{prefix}[{index}]").items():
                        out.setdefault(k, []).extend(v)
        else:
            out.setdefault(prefix or NON_FIELD, []).extend(str(item) for item in detail)
    else:
        out.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return out


def _first_code(detail) -> str:
    if isinstance(detail, dict):
        detail = next(iter(detail.values()), None)
    while isinstance(detail, list | tuple) and detail:
        detail = detail[0]
        if isinstance(detail, dict):
            detail = next(iter(detail.values()), None)
    return getattr(detail, "code", None) or "invalid"


def _summary(errors: dict[str, list[str]]) -> str:
    parts = []
    for name, messages in list(errors.items())[:MAX_DETAIL_FIELDS]:
        text = " ".join(messages)
        parts.append(text if name == NON_FIELD else f"{name}: {text}")
    if len(errors) > MAX_DETAIL_FIELDS:
        parts.append(f"and {len(errors) - MAX_DETAIL_FIELDS} more field(s), see errors")
    return "; ".join(parts) or "Invalid input."


def _validation_response(exc: exceptions.ValidationError) -> Response:
    errors = flatten_errors(exc.detail)
    fields = [name for name in errors if name != NON_FIELD]
    body = error_body(detail=_summary(errors), code=_first_code(exc.detail), errors=errors,
                      field=fields[0] if len(fields) == 1 and len(errors) == 1 else None)
    return Response(body, status=exc.status_code)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = DomainError.from_validation_error(exc)
    if isinstance(exc, DomainError):
        set_rollback()
        errors = {exc.field: [exc.message]} if exc.field else {}
        body = error_body(detail=exc.message, code=exc.code, errors=errors, field=exc.field)
        return Response(body, status=domain_error_status(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        set_rollback()
        return _validation_response(exc)
    response = drf_exception_handler(exc, context)  # headers: WWW-Authenticate, Allow, Retry-After
    if response is None:
        return None  # not an API error: a real 500, reported by Django's own handler
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(detail, dict | list):
        errors = flatten_errors(detail)
        text, code = _summary(errors), _first_code(detail)
    else:
        errors, text = {}, str(detail)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    response.data = error_body(detail=text, code=code, errors=errors)
    return response


# --- answers for /api/ paths that never reach a DRF view (Django's handler404/handler500) -------


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    """handler404: the JSON error shape under /api/, the site's 404 page elsewhere."""
    if _is_api(request):
        from django.http import JsonResponse

        return JsonResponse(error_body(detail="Not found.", code="not_found"), status=404)
    from django.views.defaults import page_not_found as html_page_not_found

    return html_page_not_found(request, exception)


def server_error(request):
    """handler500: a JSON body under /api/ (no traceback, no HTML), the site's 500 page elsewhere.

    A lost database connection raised outside a view (session or auth middleware) is a 503 like the
    views' (spm.web.unavailable): Django calls this handler while that exception is being handled."""
    import sys

    from spm.web.unavailable import DATABASE_ERRORS, unavailable_response

    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        return unavailable_response(request, exc)
    if _is_api(request):
        from django.http import JsonResponse

        return JsonResponse(error_body(detail="Server error.", code="server_error"), status=500)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request)
