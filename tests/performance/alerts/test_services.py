"""Refreshing alerts (idempotent, audited), dismissing, the digest to owner and manager, the beat task."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from performance.alerts import services
from performance.alerts.models import Alert
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic
from tests.performance.alerts.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_refresh_opens_one_alert_per_flag_and_is_idempotent(risky):
    with tenant_atomic(risky.tenant):
        counts = services.alerts_refresh(today=TODAY)
        assert counts == {"created": 3, "updated": 0, "resolved": 0, "open": 3}
        kinds = sorted(Alert.objects.values_list("kind", "seller__external_id"))
        assert kinds == [("pipeline_gap", "acme-peer"), ("slipped", "acme-rep"), ("stalled", "acme-rep")]
        gap = Alert.objects.get(kind="pipeline_gap")
        assert gap.period == "2027-Q1" and gap.opportunity is None
        assert services.alerts_refresh(today=TODAY) == {"created": 0, "updated": 0, "resolved": 0, "open": 3}
        assert AuditEvent.objects.filter(action="alert.open").count() == 3


def test_a_dismissed_alert_stays_dismissed_and_a_cleared_one_resolves(risky):
    with tenant_atomic(risky.tenant):
        services.alerts_refresh(today=TODAY)
        stalled = Alert.objects.get(kind="stalled")
        services.alert_dismiss(alert=stalled, actor=risky.users["rep"])
        assert AuditEvent.objects.filter(action="alert.dismiss").count() == 1
        # The late deal is closed: its alert resolves; the dismissed one does not come back.
        late = risky.deals["late"]
        late.history.create(tenant=risky.tenant, as_of=TODAY, stage="Won", amount=late.amount,
                            close_date=TODAY, owner=late.owner, is_closed=True, is_won=True)
        counts = services.alerts_refresh(today=TODAY)
        assert counts["resolved"] == 1
        assert dict(Alert.objects.values_list("kind", "status")) == {
            "stalled": "dismissed", "slipped": "resolved", "pipeline_gap": "open"}


def test_the_digest_mails_owner_and_manager_once_with_links_and_actions(risky):
    with tenant_atomic(risky.tenant):
        rep, manager = risky.sellers["rep"], risky.sellers["manager"]
        type(rep).objects.filter(pk=rep.pk).update(email="rep-seller@acme.test")
        type(manager).objects.filter(pk=manager.pk).update(email="manager-seller@acme.test")
        services.alerts_refresh(today=TODAY)
        sent = services.digest_send(base_url="https://rcc.example")
        assert services.digest_send() == 0  # nothing new: nothing sent twice
    # The rep and the rep's manager (seller e-mail), the peer (their user's e-mail); the peer's
    # manager has no address and no user, so nobody else.
    assert sent == 3
    by = {m.to[0]: m for m in mail.outbox}
    assert set(by) == {"rep-seller@acme.test", "manager-seller@acme.test", "peer@acme.test"}
    assert "Pipeline gap" in by["peer@acme.test"].body and "Stalled" not in by["peer@acme.test"].body
    body = by["manager-seller@acme.test"].body
    assert f"https://rcc.example/t/acme/deals/{risky.deals['stalled'].pk}/" in body
    assert "What to do: Book a concrete next step" in body


def test_the_daily_digest_is_on_the_beat_schedule_and_runs_for_every_tenant(risky, globex):
    from performance.tasks import alerts_daily_digest

    entry = settings.CELERY_BEAT_SCHEDULE["alerts-daily-digest"]
    assert entry["task"] == "performance.tasks.alerts_daily_digest"
    totals = alerts_daily_digest()
    assert totals["tenants"] == 2


def test_a_resolved_alert_reopens_when_its_condition_returns(risky):
    with tenant_atomic(risky.tenant):
        services.alerts_refresh(today=TODAY)
        gap = Alert.objects.get(kind="pipeline_gap")
        Alert.objects.filter(pk=gap.pk).update(status=Alert.Status.RESOLVED, emailed_at=timezone.now())
        counts = services.alerts_refresh(today=TODAY)
        gap.refresh_from_db()
        assert counts["updated"] == 1 and gap.status == "open" and gap.emailed_at is None
        assert AuditEvent.objects.filter(action="alert.reopen").count() == 1


def test_the_pipeline_gap_reads_the_quota_the_scorecard_reads(risky):
    """The peer's 2027-Q1 quota is 100,000 as a quarter row and as its month rows (30,000 + 30,000 +
    40,000), as a quota set writes both: the quarter counts once (the month rows win, as on the
    scorecard and in the coverage), so 100,000 − 40,000 won = 60,000 left, not 160,000.
    The peer joined in February 2027: ramp-adjusted (the scorecard's quota) January counts 0 %,
    February 25 % and March 50 % of the month rows: 7,500 + 20,000 = 27,500, minus 40,000 won → nothing left, no gap."""
    from tests.factories import QuotaFactory

    peer = risky.sellers["peer"]
    for month, amount in (("2027-01", "30000"), ("2027-02", "30000"), ("2027-03", "40000")):
        QuotaFactory(tenant=risky.tenant, seller=peer, period=month, amount=amount)
    with tenant_atomic(risky.tenant):
        services.alerts_refresh(today=TODAY)
        gap = Alert.objects.get(kind="pipeline_gap")
        assert gap.seller_id == peer.pk
        assert "0 open against 60,000 of quota left" in gap.message
        assert "Build about 180,000" in gap.action

        type(peer).objects.filter(pk=peer.pk).update(hire_date="2027-02-01")
        services.alerts_refresh(today=TODAY)
        assert not Alert.objects.filter(kind="pipeline_gap", status=Alert.Status.OPEN).exists()
