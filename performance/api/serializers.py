"""Perform pillar API serializers: deals (opportunities) with their splits, and deal events."""

from __future__ import annotations

from rest_framework import serializers

from performance.models import STAGE_NAME_MAX, Opportunity, OpportunityEvent, OpportunitySplit
from planning.api.serializers import account_field, visible_seller_field


class SplitSerializer(serializers.ModelSerializer):
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    pct = serializers.DecimalField(max_digits=7, decimal_places=4, help_text="Percent of the deal: 50 = 50 %.")

    class Meta:
        model = OpportunitySplit
        fields = ["seller", "seller_name", "pct"]
        read_only_fields = fields


class OpportunitySerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True, default=None)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    splits = SplitSerializer(many=True, read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id", "external_id", "name", "account", "account_name", "owner", "owner_name", "amount",
            "currency", "stage", "is_closed", "is_won", "forecast_category", "deal_type", "created_date",
            "close_date", "product", "team", "region", "probability", "contract_term_months", "splits",
        ]
        read_only_fields = fields


class SplitInputSerializer(serializers.Serializer):
    seller = visible_seller_field()
    pct = serializers.DecimalField(max_digits=7, decimal_places=4, min_value=0, max_value=100)


class OpportunityWriteSerializer(serializers.Serializer):
    """The body of a deal create/update; ids resolve through the viewer's scoped querysets."""

    external_id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    owner = visible_seller_field()
    account = account_field(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, allow_null=True, default=None)
    stage = serializers.CharField(max_length=STAGE_NAME_MAX, help_text="The tenant's own stage name.")
    is_closed = serializers.BooleanField(required=False, allow_null=True, default=None,
                                         help_text="Default: what the stage name means (closed_won/closed_lost are closed).")
    is_won = serializers.BooleanField(required=False, allow_null=True, default=None)
    product = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    team = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    region = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    probability = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1,
                                           required=False, allow_null=True, default=None)
    forecast_category = serializers.ChoiceField(
        choices=Opportunity.ForecastCategory.choices, required=False, allow_null=True, default=None
    )
    deal_type = serializers.ChoiceField(choices=Opportunity.DealType.choices, default=Opportunity.DealType.NEW_LOGO)
    # No default: an upsert that leaves it out keeps the stored term (null = unknown).
    contract_term_months = serializers.IntegerField(
        min_value=1, max_value=120, required=False, allow_null=True,
        help_text="Contract term in whole months (null: unknown). Longer than 12 months: the commission is "
                  "capitalised and amortised over it (ASC 340-40); otherwise expensed.")
    created_date = serializers.DateField(required=False, allow_null=True, default=None)
    close_date = serializers.DateField(required=False, allow_null=True, default=None)
    splits = SplitInputSerializer(many=True, required=False, allow_null=True, default=None)


class OpportunityUpdateSerializer(OpportunityWriteSerializer):
    """An update keeps the deal's external id (the upsert key); every other field is optional."""

    external_id = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class OpportunityEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpportunityEvent
        fields = ["id", "opportunity", "type", "date"]
        read_only_fields = ["id", "opportunity"]
        validators: list = []  # the (deal, type, date) unique is the service's business
