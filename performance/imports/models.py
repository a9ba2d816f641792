"""Imports in the browser and from CRM pushes: saved column mappings, import jobs (with their
progress and error file), and the per-tenant webhook secret with the deliveries already taken."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel

KIND_CHOICES = [("sellers", "Sellers"), ("opportunities", "Opportunities"), ("activities", "Activities")]


class ImportMapping(TenantModel):
    """{canonical column: the file's header} last used by the tenant for one kind of file."""

    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    mapping = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="import_mapping_unique_kind")]


class ImportJob(TenantModel):
    """One uploaded file: mapped, then imported (at once or by a Celery task), with its report."""

    class Status(models.TextChoices):
        MAPPING = "mapping"
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    file_name = models.CharField(max_length=200)
    data = models.BinaryField()  # the uploaded bytes, read by the worker (emptied once imported)
    header = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    mapping = models.JSONField(default=dict, blank=True)
    encoding = models.CharField(max_length=40, blank=True)
    as_of = models.DateField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.MAPPING)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    report = models.JSONField(default=dict, blank=True)  # ImportReport.as_dict()
    errors_csv = models.TextField(blank=True)  # every error, for download
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="import_job_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class CrmWebhook(TenantModel):
    """The tenant's secret for signed CRM pushes (HMAC-SHA256 over "timestamp.body")."""

    secret = models.CharField(max_length=64, default=new_webhook_secret)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="crm_webhook_one_per_tenant")]


class WebhookDelivery(TenantModel):
    """A push already taken (its signature): the same delivery again is a replay and is refused."""

    signature = models.CharField(max_length=64)
    timestamp = models.BigIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "signature"], name="webhook_delivery_unique")]
