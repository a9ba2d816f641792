"""Shared by management commands: resolve --tenant, enter its scope, turn domain errors into CommandError."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError

from spm.errors import DomainError
from spm.models import Tenant
from spm.tenancy.db import tenant_atomic


@contextmanager
def tenant_command_scope(slug: str) -> Iterator[Tenant]:
    """One transaction in tenant `slug` (committed on exit, so on_commit tasks then start)."""
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise CommandError(f"No tenant with slug {slug!r}.")
    try:
        with tenant_atomic(tenant):
            yield tenant
    except DomainError as exc:
        raise CommandError(str(exc)) from None
