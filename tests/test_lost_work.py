"""The sweepers' services: runs and imports left `queued` (their message lost) are sent again, once due.

The real outage (Redis restarted empty, a worker reconnecting) is tests/test_redis_outage.py; here the
re-send itself, eagerly, on either database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from compensation.models import CalculationRun
from compensation.services import calculation_resend_queued
from performance.models import ImportJob
from spm.hub.imports import import_job_create, import_job_resend_queued
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def test_a_run_left_queued_is_sent_again_and_completes_a_fresh_one_waits(acme, django_capture_on_commit_callbacks):
    with tenant_atomic(acme.tenant):
        lost = CalculationRun.objects.create(period_from="2027-01", period_through="2027-01", tenant=acme.tenant)
        CalculationRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - 2 * MINUTE)
        fresh = CalculationRun.objects.create(period_from="2027-02", period_through="2027-02", tenant=acme.tenant)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        assert calculation_resend_queued(older_than=MINUTE) == [lost.pk]
    with tenant_atomic(acme.tenant):
        lost.refresh_from_db()
        fresh.refresh_from_db()
    assert lost.status == CalculationRun.Status.SUCCEEDED and lost.statement_count > 0
    assert fresh.status == CalculationRun.Status.QUEUED
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        assert calculation_resend_queued(older_than=MINUTE) == []  # done: nothing to send again


def test_an_import_left_queued_is_sent_again_and_runs_once(acme, django_capture_on_commit_callbacks):
    email = acme.sellers["manager"].email
    header = ["email", "name", "role", "manager_email", "region", "team", "hire_date"]
    data = f"{','.join(header)}\nnew.rep@acme.test,New Rep,rep,{email},EMEA,Wolves,2025-01-02\n".encode()
    with tenant_atomic(acme.tenant):
        job = import_job_create(kind="sellers", file_name="s.csv", data=data, actor=acme.users["revops"])
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, mapping={h: h for h in header},
                                                   created_at=timezone.now() - 2 * MINUTE)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        assert import_job_resend_queued(older_than=MINUTE) == [job.pk]
    with tenant_atomic(acme.tenant):
        job.refresh_from_db()
        assert job.status == ImportJob.Status.SUCCEEDED, (job.message, job.report["errors"])
        assert job.report["created"] == 1
        assert import_job_resend_queued(older_than=MINUTE) == []
