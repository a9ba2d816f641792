"""The database went away mid-request (a PostgreSQL restart, a failover, a dropped session): 503, not 500.

Such a request cannot finish; what it had written rolls back with its transaction. It answers 503 in
the one error shape under /api/ and a short page elsewhere — rendered without a request context,
since context processors would query the database that just failed. Django discards the broken
connection when the request ends, and CONN_HEALTH_CHECKS replaces a dead persistent connection
before the next request uses it: the process recovers by itself, nothing is restarted.

`DatabaseUnavailableMiddleware` answers for exceptions raised by views; `unavailable_response`
is also used by handler500 for the same errors raised in other middleware (session, auth).
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
MESSAGE = "The database is unavailable right now, so this request was not completed; try again in a moment."
RETRY_AFTER_SECONDS = 5


def unavailable_response(request, exc: BaseException) -> HttpResponse:
    from spm.api.exceptions import error_body

    logger.warning("database unavailable during a request",
                   extra={"path": request.path, "error": type(exc).__name__})
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body(detail=MESSAGE, code="unavailable"), status=503)
    else:
        response = HttpResponse(render_to_string("web/unavailable.html", {"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, DATABASE_ERRORS):
            return unavailable_response(request, exc)
        return None
