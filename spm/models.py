"""Shared kernel: tenants, memberships, fiscal periods, FX rates and the audit trail."""

from __future__ import annotations

import zoneinfo

import babel
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from spm.roles import Role
from spm.tenancy.models import TenantModel

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO currency code, e.g. USD.")


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not an IANA time zone such as Europe/Berlin.") from None


def validate_locale(value: str) -> None:
    try:
        babel.Locale.parse(value)
    except (ValueError, babel.UnknownLocaleError):
        raise ValidationError(f"{value!r} is not a locale such as en_US or de_DE.") from None


class Tenant(models.Model):
    """A customer company. Not tenant-owned itself: it is what the others are scoped by."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    base_currency = models.CharField(max_length=3, default="USD", validators=[currency_validator])
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    # How the formatting layer (spm.formatting) writes numbers and times for this company.
    locale = models.CharField(max_length=20, default="en_US", validators=[validate_locale],
                              help_text="e.g. en_US, en_GB, de_DE, fr_FR")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone],
                                 help_text="IANA name, e.g. America/New_York")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TenantModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user")]
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class FxRate(TenantModel):
    """1 unit of `currency` = `rate_to_base` units of the tenant's base currency, from a date on."""

    currency = models.CharField(max_length=3, validators=[currency_validator])
    rate_to_base = models.DecimalField(max_digits=20, decimal_places=10)
    effective_from = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "currency", "effective_from"], name="fxrate_unique"),
            models.CheckConstraint(condition=models.Q(rate_to_base__gt=0), name="fxrate_positive"),
        ]
        ordering = ["currency", "effective_from"]


class Period(TenantModel):
    """A pay period (month) and its status; a closed period takes no new lines."""

    class Kind(models.TextChoices):
        MONTH = "month"
        QUARTER = "quarter"
        YEAR = "year"

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    key = models.CharField(max_length=10)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MONTH)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="period_unique_key")]
        ordering = ["start"]

    def __str__(self) -> str:
        return self.key


class AuditEvent(TenantModel):
    """Who changed what, with the state before and after. Written by services, never by signals."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=60)  # "<entity>.<verb>", e.g. "statement.approve"
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "object_type", "object_id"], name="audit_object_idx"),
                   # The newest event per tenant (every cached figure's data version) in one index
                   # probe; by the primary key it walks back over every later tenant's events.
                   models.Index(fields=["tenant", "id"], name="audit_tenant_id_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"


class InputChange(TenantModel):
    """The last time a calculation input of one seller's month changed (the change feed).

    One row per (seller, month), moved forward on every change, so the table stays as small as
    the statements it describes. `seller_id` 0 means every seller and `month` "" every month (an
    FX rate, a plan assignment). A statement calculated before `changed_at` is stale. The seller is
    a plain id, not a foreign key: the kernel sits below the Plan pillar that owns sellers.
    """

    EVERY_SELLER = 0
    EVERY_MONTH = ""

    # No database FK constraint on the tenant (RLS WITH CHECK pins tenant_id): a load touching every
    # seller's months upserts 100,000+ rows, each a deferred check at COMMIT. No tenant index:
    # input_change_unique leads with tenant_id.
    tenant = models.ForeignKey("spm.Tenant", on_delete=models.CASCADE, editable=False, related_name="+",
                               db_constraint=False, db_index=False)

    seller_id = models.BigIntegerField()
    month = models.CharField(max_length=7, blank=True)
    changed_at = models.DateTimeField()
    reason = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "seller_id", "month"], name="input_change_unique")]
        indexes = [models.Index(fields=["tenant", "changed_at"], name="input_change_at_idx")]

    def __str__(self) -> str:
        return f"{self.seller_id} {self.month or '*'} {self.changed_at:%Y-%m-%d %H:%M}"


from spm.sso.models import SsoDomain, SsoProvider  # noqa: E402,F401  (Django finds sub-package models through this import)
