"""Writes of alerts: refresh the flags from the data, dismiss one, send the daily digest."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from performance.alerts import engine
from performance.alerts.models import Alert
from performance.pipeline.selectors import carrier_quotas_cents, system_access
from spm.audit import audit_record, audit_record_many, snapshot
from spm.errors import ConflictError
from spm.tenancy.context import current_tenant

logger = logging.getLogger(__name__)


def _quarter(today: dt.date) -> tuple[str, dt.date, dt.date]:
    from performance.forecasting.selectors import period_bounds, period_of

    key = period_of(today)
    start, end = period_bounds(key)
    return key, start, end


def alert_flags(*, today: dt.date) -> list[engine.Flag]:
    """Every flag of the tenant in scope on ``today`` (deal rules + pipeline gaps)."""
    from performance.forecasting.selectors import history_frames

    quarter = _quarter(today)
    key, start, end = quarter
    history, deals = history_frames()
    flags = engine.deal_flags(history, today, quarter)
    # The quota the seller's scorecard and coverage read: ramp-adjusted, a quarter row beside its month
    # rows counted once, individual contributors only (a manager's quota is their team's, whose
    # pipeline is its reps').
    quotas = {seller_id: cents / 100 for seller_id, cents in
              carrier_quotas_cents(access=system_access(current_tenant()), period=key).items()}
    won: dict[int, float] = defaultdict(float)
    pipeline: dict[int, float] = defaultdict(float)
    if not deals.empty:
        in_q = deals["close_date"].notna() & (deals["close_date"] >= str(start)) & (deals["close_date"] <= str(end))
        for owner, amount in deals.loc[in_q & deals["is_won"], ["owner", "amount"]].itertuples(index=False):
            won[int(owner)] += float(amount)
        for owner, amount in deals.loc[in_q & ~deals["is_closed"], ["owner", "amount"]].itertuples(index=False):
            pipeline[int(owner)] += float(amount)
    flags += engine.pipeline_gap_flags(quotas=quotas, won=won, pipeline=pipeline, quarter=quarter)
    return flags


def alerts_refresh(*, actor=None, today: dt.date | None = None) -> dict[str, int]:
    """Bring the Alert table in line with today's flags (idempotent).

    A new flag opens an alert (one per key); a still-present flag updates its wording; an open
    alert whose condition has gone is resolved; a dismissed alert stays dismissed. Created and
    resolved alerts are audited in one bulk insert each. Returns counts.
    """
    today = today or timezone.localdate()
    flags = {f.key: f for f in alert_flags(today=today)}
    now = timezone.now()
    tenant = current_tenant()
    with transaction.atomic():
        existing = {a.key: a for a in Alert.objects.select_for_update().filter(
            key__in=list(flags))} if flags else {}
        created, updated, reopened = [], [], []
        for key, flag in flags.items():
            alert = existing.get(key)
            if alert is None:
                created.append(Alert(
                    tenant=tenant, kind=flag.kind, key=key, seller_id=flag.seller, opportunity_id=flag.opportunity,
                    period=flag.period, message=flag.message[:300], action=flag.action[:300],
                    amount=None if flag.amount is None else round(flag.amount, 2), created_at=now, updated_at=now,
                ))
            elif alert.status == Alert.Status.RESOLVED:  # the condition came back: reopen and e-mail again
                alert.status, alert.emailed_at = Alert.Status.OPEN, None
                alert.message, alert.updated_at = flag.message[:300], now
                updated.append(alert)
                reopened.append(alert)
            elif alert.status == Alert.Status.OPEN and alert.message != flag.message[:300]:
                alert.message, alert.updated_at = flag.message[:300], now
                updated.append(alert)
        Alert.objects.bulk_create(created, batch_size=1000)
        Alert.objects.bulk_update(updated, ["status", "emailed_at", "message", "updated_at"], batch_size=1000)
        stale = list(Alert.objects.select_for_update().filter(status=Alert.Status.OPEN).exclude(key__in=list(flags)))
        Alert.objects.filter(pk__in=[a.pk for a in stale]).update(status=Alert.Status.RESOLVED, updated_at=now)
        if created:
            fresh = list(Alert.objects.filter(key__in=[a.key for a in created]))
            audit_record_many(actor=actor, action="alert.open", changes=[(a, None, snapshot(a)) for a in fresh])
        if reopened:
            audit_record_many(actor=actor, action="alert.reopen",
                              changes=[(a, {"status": "resolved"}, {"status": "open"}) for a in reopened])
        if stale:
            audit_record_many(actor=actor, action="alert.resolve",
                              changes=[(a, {"status": "open"}, {"status": "resolved"}) for a in stale])
        open_count = Alert.objects.filter(status=Alert.Status.OPEN).count()
    return {"created": len(created), "updated": len(updated), "resolved": len(stale), "open": open_count}


def alert_dismiss(*, alert: Alert, actor) -> Alert:
    """Dismiss an open alert (it does not come back for the same key). Audited."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status != Alert.Status.OPEN:
            raise ConflictError(f"This alert is already {alert.status}.")
        before = {"status": alert.status}
        alert.status = Alert.Status.DISMISSED
        alert.updated_at = timezone.now()
        alert.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="alert.dismiss", instance=alert, before=before, after={"status": alert.status})
    return alert


def _recipient(seller) -> str:
    if seller is None:
        return ""
    return seller.email or (seller.user.email if seller.user_id and seller.user else "")


def digest_send(*, base_url: str | None = None) -> int:
    """E-mail each owner, and each owner's manager, the open alerts not yet e-mailed. Returns e-mails sent.

    One message per recipient listing every new alert with its link and what to do. The alerts
    are marked e-mailed in the same transaction, so a digest is not sent twice for one alert.
    """
    tenant = current_tenant()
    base = (base_url or getattr(settings, "SITE_URL", "") or "").rstrip("/")
    with transaction.atomic():
        alerts = list(Alert.objects.select_for_update(of=("self",)).select_related(
            "seller__user", "seller__manager__user", "opportunity").filter(status=Alert.Status.OPEN,
                                                                           emailed_at__isnull=True))
        by_recipient: dict[str, list[Alert]] = defaultdict(list)
        for alert in alerts:
            for person in (alert.seller, alert.seller.manager):
                address = _recipient(person)
                if address:
                    by_recipient[address].append(alert)
        sent = 0
        for address, items in sorted(by_recipient.items()):
            lines = [f"{len(items)} new alert(s) in {tenant.name}:", ""]
            for alert in items:
                link = (reverse("performance:deal_detail", kwargs={"tenant": tenant.slug, "pk": alert.opportunity_id})
                        if alert.opportunity_id else
                        reverse("performance:alerts", kwargs={"tenant": tenant.slug}))
                lines += [f"- [{alert.get_kind_display()}] {alert.seller.name}: {alert.message}",
                          f"  What to do: {alert.action}", f"  {base}{link}", ""]
            send_mail(subject=f"[{tenant.name}] {len(items)} deal alert(s) need your attention",
                      message="\n".join(lines), from_email=None, recipient_list=[address])
            sent += 1
        Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(emailed_at=timezone.now())
    logger.info("alert digest sent", extra={"tenant": tenant.slug, "emails": sent, "alerts": len(alerts)})
    return sent
