"""The page-side answer to a refused input that no form caught: a message, never a 500.

Views should catch `DomainError` where they have a form to show it on (`spm.web.forms`); whatever
escapes reaches the tenant view base, which calls this after the request's transaction rolled back.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string

from spm.errors import DomainError


def error_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        exc = DomainError.from_validation_error(exc)
    return getattr(exc, "message", str(exc))


def service_error_response(request, exc: Exception) -> HttpResponse:
    """POST: back to the same page with the message shown. Other methods: a 400 page saying why."""
    text = error_message(exc)
    if request.method == "POST":
        messages.error(request, text)
        return HttpResponseRedirect(request.get_full_path())
    body = render_to_string("web/refused.html", {"message": text})
    return HttpResponse(body, status=400)
