"""The page-side answer to a refused input that no form caught: a message, never a 500.

Views should catch `DomainError` where they have a form to show it on (`spm.web.forms`); whatever
escapes reaches the tenant view base, which calls this after the request's transaction rolled back.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

from spm.errors import DomainError


def error_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        exc = DomainError.from_validation_error(exc)
    return getattr(exc, "message", str(exc))


def service_error_response(request, exc: Exception) -> HttpResponse:
    """POST from one of our pages: back to that page with the message shown. Otherwise a 400
    page saying why (never a redirect loop: an action URL may answer only POST)."""
    text = error_message(exc)
    referer = request.META.get("HTTP_REFERER", "")
    if request.method == "POST" and referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        messages.error(request, text)
        return HttpResponseRedirect(referer)
    body = render_to_string("web/refused.html", {"message": text})
    return HttpResponse(body, status=400)
