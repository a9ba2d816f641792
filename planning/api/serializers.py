"""Plan pillar API serializers, and the id fields other pillars use for sellers and accounts.

Serializers only parse and render. Ids in request bodies resolve through
`spm.api.fields.ScopedPrimaryKeyRelatedField` (the viewer's scoped queryset): another tenant's id,
or a seller the viewer may not see, is "does not exist" — never a leak.
"""

from __future__ import annotations

from rest_framework import serializers

from planning.models import Account, Quota, Seller
from planning.selectors import account_list, seller_list
from spm.api.fields import ScopedPrimaryKeyRelatedField
from spm.fiscal import PERIOD_KEY_PATTERN


def account_field(**kwargs) -> ScopedPrimaryKeyRelatedField:
    """An account id of this tenant."""
    return ScopedPrimaryKeyRelatedField(model=Account, scope=lambda access: account_list(), **kwargs)


def visible_seller_field(**kwargs) -> ScopedPrimaryKeyRelatedField:
    """A seller id the viewer may see in this tenant (the one visibility rule)."""
    return ScopedPrimaryKeyRelatedField(model=Seller, scope=lambda access: seller_list(access=access), **kwargs)


class SellerSerializer(serializers.ModelSerializer):
    manager_name = serializers.CharField(source="manager.name", read_only=True, default=None)

    class Meta:
        model = Seller
        fields = [
            "id", "external_id", "name", "email", "role_type", "title", "segment", "region",
            "manager", "manager_name", "hire_date", "end_date",
        ]
        read_only_fields = fields


class AccountSerializer(serializers.ModelSerializer):
    annual_revenue = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True, allow_null=True)
    territory_name = serializers.CharField(source="territory.name", read_only=True, default=None)
    owner_name = serializers.CharField(source="owner.name", read_only=True, default=None)

    class Meta:
        model = Account
        fields = [
            "id", "external_id", "name", "industry", "country", "region", "employees", "annual_revenue",
            "latitude", "longitude", "potential", "territory", "territory_name", "owner", "owner_name",
        ]
        read_only_fields = fields


class QuotaSerializer(serializers.ModelSerializer):
    """Read, and create through `planning.services.quota_set` (an upsert per seller/measure/period)."""

    seller = visible_seller_field()
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    period = serializers.RegexField(
        PERIOD_KEY_PATTERN, max_length=10, help_text="2027-03 (month), 2027-Q1 (fiscal quarter) or 2027 (fiscal year)"
    )
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)

    class Meta:
        model = Quota
        fields = ["id", "seller", "seller_name", "measure", "period", "amount", "source"]
        # The model's (tenant, seller, measure, period) unique is an upsert key here, not a rule
        # to reject on: quota_set updates the existing row.
        validators: list = []


class QuotaUpdateSerializer(serializers.ModelSerializer):
    """Change the amount (or source) of one quota; seller, measure and period identify it."""

    seller_name = serializers.CharField(source="seller.name", read_only=True)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)

    class Meta:
        model = Quota
        fields = ["id", "seller", "seller_name", "measure", "period", "amount", "source"]
        read_only_fields = ["id", "seller", "seller_name", "measure", "period"]
