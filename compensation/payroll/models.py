"""Payroll export batches: the approved statements of one month and currency, paid together."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel


class PayrollBatch(TenantModel):
    period = models.CharField(max_length=7)  # month key
    currency = models.CharField(max_length=3)
    statement_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Payroll batch {self.pk} {self.period} {self.currency}"


class PayrollBatchItem(TenantModel):
    batch = models.ForeignKey(PayrollBatch, on_delete=models.CASCADE, related_name="items")
    # a statement is paid once: it belongs to at most one batch
    statement = models.OneToOneField("compensation.Statement", on_delete=models.PROTECT, related_name="payroll_item")
    seller = models.ForeignKey("planning.Seller", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["batch", "seller__name", "id"]

    def __str__(self) -> str:
        return f"{self.batch} · {self.seller_id} {self.amount}"
