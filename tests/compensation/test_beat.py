"""Periodic jobs on Celery beat: every schedule entry names a registered task, and the daily Pay jobs
(approval reminders, hold release) do their work in every tenant, once a day however often they run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.utils import timezone

from compensation import tasks
from compensation.models import Hold, Statement
from compensation.routing.models import ApprovalReminder
from compensation.routing.services import approval_route_set
from spm.celery import app
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"compensation.tasks.approval_reminders_daily", "compensation.tasks.holds_release_daily",
            "compensation.tasks.release_stale_runs", "performance.tasks.alerts_daily_digest"} <= names
    assert names <= set(app.tasks), names - set(app.tasks)
    daily = settings.CELERY_BEAT_SCHEDULE["approval-reminders"]["schedule"]
    assert isinstance(daily, crontab) and daily.hour == {7} and daily.minute == {0}


@pytest.fixture
def waiting(acme, globex):
    """Both tenants route statements manager → finance; their January statements wait for 5 days."""
    for world in (acme, globex):
        with tenant_atomic(world.tenant):
            approval_route_set(roles=["manager", "finance"], actor=world.users["admin"])
            Statement.objects.update(published_at=timezone.now() - dt.timedelta(days=5))
    return acme, globex


def test_the_reminder_task_mails_each_waiting_step_once_a_day(waiting):
    acme, globex = waiting
    mail.outbox.clear()
    sent = tasks.approval_reminders_daily.delay().get()
    to = sorted(m.to[0] for m in mail.outbox)
    # acme: the rep's statement waits at step 1 for its manager; every waiting step also reaches the admin
    assert "manager@acme.test" in to and "admin@acme.test" in to and "admin@globex.test" in to
    assert sent == len(to) == len(set(to))
    assert "waiting for your approval" in mail.outbox[0].subject
    with tenant_atomic(acme.tenant):
        claimed = sorted(ApprovalReminder.objects.values_list("statement_id", "position", "sent_on"))
    today = timezone.now().date()
    assert claimed == sorted((s.pk, 1, today) for s in acme.statements.values())

    mail.outbox.clear()
    assert tasks.approval_reminders_daily.delay().get() == 0  # the same day again: nothing
    assert mail.outbox == []


def test_a_step_still_waiting_the_next_day_is_reminded_again(waiting):
    from compensation.routing.services import approval_reminders_send

    acme, _ = waiting
    with tenant_atomic(acme.tenant):
        first = approval_reminders_send(older_than_days=3)
        tomorrow = approval_reminders_send(older_than_days=3, now=timezone.now() + dt.timedelta(days=1))
        again = approval_reminders_send(older_than_days=3, now=timezone.now() + dt.timedelta(days=1))
    assert first == tomorrow > 0 and again == 0


def test_the_hold_release_task_posts_due_holds_in_every_tenant(acme, globex, django_capture_on_commit_callbacks):
    for world, due in ((acme, dt.date(2020, 1, 31)), (globex, dt.date(2999, 1, 31))):
        with tenant_atomic(world.tenant):
            Hold.objects.create(tenant=world.tenant, statement=world.statements["rep"], seller=world.sellers["rep"],
                                period="2027-01", amount=Decimal("1500.00"), reason="invoice unpaid",
                                release_after=due, created_by=world.users["finance"])
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.holds_release_daily.delay().get() == 1
    with tenant_atomic(acme.tenant):
        assert Hold.objects.get().status == Hold.Status.RELEASED
    with tenant_atomic(globex.tenant):
        assert Hold.objects.get().status == Hold.Status.HELD  # not due yet
    assert tasks.holds_release_daily.delay().get() == 0  # nothing left to release
