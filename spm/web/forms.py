"""Form plumbing shared by every page: a service's refusal goes onto the form, never into a 500."""

from __future__ import annotations

from django import forms

from spm.errors import DomainError


def add_service_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service's refusal on the field it names (`exc.field`), anything else on the form.

    The message loses its "field: " lead-in when shown next to that field (it is already there).
    """
    field = getattr(exc, "field", None)
    message = getattr(exc, "message", str(exc))
    if field and field in form.fields:
        lead = f"{field}: "
        form.add_error(field, message[len(lead):] if message.startswith(lead) else message)
    else:
        form.add_error(None, message)
