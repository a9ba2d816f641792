"""Pay periods: month keys, close and reopen (audited)."""

from __future__ import annotations

from django.db import transaction

from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError
from spm.fiscal import is_month_key, parse_period_key
from spm.models import Period
from spm.tenancy.context import current_tenant
from spm.upsert import full_clean_or_raise


def validate_month_key(key: str, field: str = "period") -> str:
    if not is_month_key(key):
        raise DomainError(f"{field}: {key!r} is not a month key like 2027-03", field=field, code="invalid_period")
    return key


def _period_get_or_create(key: str) -> Period:
    tenant = current_tenant()
    try:
        start, end, kind = parse_period_key(key, tenant.fiscal_year_start_month)
    except ValueError as exc:
        raise DomainError(f"period: {exc}", field="period", code="invalid_period") from None
    period = Period.objects.select_for_update().filter(key=key).first()
    if period is None:
        period = Period(key=key, kind=kind, start=start, end=end, tenant=tenant)
        full_clean_or_raise(period)
        period.save()
    return period


def _period_set_status(period: str, *, to: str, actor, action: str, conflict: str) -> Period:
    with transaction.atomic():
        row = _period_get_or_create(period)
        if row.status == to:
            raise ConflictError(conflict)
        before = snapshot(row, ["status"])
        row.status = to
        row.save(update_fields=["status"])
        audit_record(actor=actor, action=action, instance=row, before=before, after=snapshot(row, ["status"]))
        return row


def period_close(*, period: str, actor) -> Period:
    """Close pay period `period` (a month key): calculations and adjustments no longer touch it.

    Creates the Period row when missing. ConflictError when already closed. Audited.
    """
    return _period_set_status(period, to=Period.Status.CLOSED, actor=actor, action="period.close",
                              conflict=f"Period {period} is already closed.")


def period_reopen(*, period: str, actor) -> Period:
    """Reopen a closed period. ConflictError when it is not closed. Audited."""
    return _period_set_status(period, to=Period.Status.OPEN, actor=actor, action="period.reopen",
                              conflict=f"Period {period} is not closed.")


def period_is_closed(period: str) -> bool:
    """True when the month `period` of the tenant in scope is closed."""
    return Period.objects.filter(key=period, status=Period.Status.CLOSED).exists()


def closed_periods() -> set[str]:
    """Keys of every closed period of the tenant in scope (one query)."""
    return set(Period.objects.filter(status=Period.Status.CLOSED).values_list("key", flat=True))
