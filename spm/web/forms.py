"""Form plumbing shared by every page."""

from __future__ import annotations

from django import forms


def add_service_error(form: forms.Form, message: str) -> None:
    """Put a service's "field: message" refusal on that field of the form, anything else on the form."""
    field, sep, rest = message.partition(": ")
    if sep and field in form.fields:
        form.add_error(field, rest)
    else:
        form.add_error(None, message)
