"""Reads of alerts: the viewer's open alerts (their own deals, and their subtree's as a manager)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from performance.alerts.models import Alert
from planning.selectors import restrict_to_visible

if TYPE_CHECKING:
    from spm.tenancy.access import TenantAccess


def alert_list(*, access: TenantAccess, status: str | None = Alert.Status.OPEN, kind: str | None = None):
    qs = Alert.objects.select_related("seller", "opportunity")
    qs = restrict_to_visible(qs, access)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def alert_get(*, access: TenantAccess, pk: int) -> Alert | None:
    return alert_list(access=access, status=None).filter(pk=pk).first()


def open_alert_counts(*, access: TenantAccess) -> dict[str, int]:
    from django.db.models import Count

    rows = alert_list(access=access).values("kind").annotate(n=Count("id"))
    return {row["kind"]: row["n"] for row in rows}
