"""Plan: sellers and their hierarchy, accounts, territories and quotas."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel


class Seller(TenantModel):
    class RoleType(models.TextChoices):
        AE = "AE", "Account executive"
        SDR = "SDR", "Sales development rep"
        CSM = "CSM", "Customer success manager"
        MANAGER = "manager", "Manager"

    external_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="sellers")
    role_type = models.CharField(max_length=10, choices=RoleType.choices, default=RoleType.AE)
    title = models.CharField(max_length=100, blank=True)
    segment = models.CharField(max_length=50, blank=True)
    region = models.CharField(max_length=50, blank=True)
    team = models.CharField(max_length=100, blank=True)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    hire_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="seller_unique_external_id"),
        ]
        indexes = [models.Index(fields=["tenant", "manager"], name="seller_manager_idx")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Territory(TenantModel):
    """One territory of a territory plan: rules (see planning.territories.engine) and its owner."""

    plan = models.ForeignKey("planning.TerritoryPlan", on_delete=models.CASCADE, related_name="territories")
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=50, blank=True)
    owner = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.SET_NULL, related_name="territories")
    rules = models.JSONField(default=dict, blank=True)  # e.g. {"regions": ["EMEA"], "industries": ["retail"]}
    precedence = models.PositiveIntegerField(default=100, help_text="Lower wins when two territories match.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "plan", "name"], name="territory_unique_name")]
        ordering = ["precedence", "name"]

    def __str__(self) -> str:
        return self.name


class Account(TenantModel):
    external_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    industry = models.CharField(max_length=60, blank=True)
    country = models.CharField(max_length=60, blank=True)
    region = models.CharField(max_length=50, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    potential = models.DecimalField(max_digits=16, decimal_places=2, default=0,
                                    help_text="Annual revenue potential of the account, in the tenant currency.")
    # Territory and owner under the latest published territory plan (whatever its date); the dated
    # truth is AccountAssignment (planning.territories.selectors.account_owner_on).
    territory = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts")
    owner = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="account_unique_external_id"),
            models.CheckConstraint(condition=models.Q(potential__gte=0), name="account_potential_non_negative"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Quota(TenantModel):
    """A seller's target for one measure and one fiscal period key (2027-03, 2027-Q1, 2027)."""

    class Source(models.TextChoices):
        MANUAL = "manual"
        CAPACITY = "capacity"
        RAMP = "ramp"

    # No database FK constraints (as the deal's, performance.models.Opportunity): a scenario load's 120,000
    # quotas queued two deferred checks each for COMMIT. Writers resolve the seller among the tenant's
    # own rows (RLS pins tenant_id); Django's collector still cascades deletes. No tenant index:
    # quota_unique_period leads with tenant_id.
    tenant = models.ForeignKey("spm.Tenant", on_delete=models.CASCADE, editable=False, related_name="+",
                               db_constraint=False, db_index=False)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="quotas", db_constraint=False)
    measure = models.CharField(max_length=40, default="bookings")
    period = models.CharField(max_length=10)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seller", "measure", "period"], name="quota_unique_period"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="quota_non_negative"),
        ]
        ordering = ["seller__name", "period"]

    def __str__(self) -> str:
        return f"{self.seller} {self.measure} {self.period}"


from planning.capacity.models import CapacityRosterMember, CapacityScenario  # noqa: E402,F401
from planning.quotas.models import QuotaAllocation, QuotaSet  # noqa: E402,F401
from planning.territories.models import (  # noqa: E402  (Django finds sub-package models through this import)
    AccountAssignment,
    TerritoryMove,
    TerritoryOverride,
    TerritoryPlan,
)

__all__ = ["Account", "AccountAssignment", "CapacityRosterMember", "CapacityScenario", "Quota", "QuotaAllocation",
           "QuotaSet", "Seller", "Territory", "TerritoryMove", "TerritoryOverride", "TerritoryPlan"]
