"""Plan pillar API: sellers, accounts, territories (read) and quotas (read, set).

Every viewset sits on the tenant base (tenant from the URL, membership or 404, one transaction
with the tenant set for RLS) and reads through the planning selectors, so the visibility rule is
applied in one place. Writes call `planning.services` and nothing else.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from planning import selectors, services
from planning.api.serializers import (
    AccountSerializer,
    QuotaSerializer,
    QuotaUpdateSerializer,
    SellerSerializer,
)
from planning.models import Account, Quota, Seller
from planning.territories.api import AccountBulkMixin
from spm.api.base import TenantGenericViewSet, TenantReadOnlyViewSet
from spm.api.schema import READ_ERRORS, error_responses

# Filters are declared explicitly: django-filter's generation from Meta.fields queries the model's
# default manager at import time, and tenant managers raise outside a tenant scope (fail closed).


class SellerFilter(django_filters.FilterSet):
    manager = django_filters.NumberFilter(field_name="manager_id", help_text="Direct reports of this seller id.")
    role_type = django_filters.ChoiceFilter(choices=Seller.RoleType.choices)
    segment = django_filters.CharFilter()
    region = django_filters.CharFilter()


class AccountFilter(django_filters.FilterSet):
    territory = django_filters.NumberFilter(field_name="territory_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    region = django_filters.CharFilter()
    industry = django_filters.CharFilter()
    country = django_filters.CharFilter()


@extend_schema_view(
    list=extend_schema(summary="Sellers you may see", responses={200: SellerSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One seller", responses={200: SellerSerializer, **READ_ERRORS}),
)
class SellerViewSet(TenantReadOnlyViewSet):
    """Sellers: everyone for tenant-wide roles, a manager's subtree, a rep's own record."""

    queryset = Seller.all_tenants.none()  # model for the schema only; data comes from scope_queryset
    serializer_class = SellerSerializer
    filterset_class = SellerFilter

    def scope_queryset(self):
        return selectors.seller_list(access=self.access)


@extend_schema_view(
    list=extend_schema(summary="Accounts", responses={200: AccountSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One account", responses={200: AccountSerializer, **READ_ERRORS}),
)
class AccountViewSet(AccountBulkMixin, TenantReadOnlyViewSet):
    """Accounts (every member reads them); `bulk` upserts them (RevOps, admin)."""

    queryset = Account.all_tenants.none()
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    action_capabilities = {"bulk": "territories.edit"}

    def scope_queryset(self):
        return selectors.account_list()


class QuotaFilter(django_filters.FilterSet):
    seller = django_filters.NumberFilter(field_name="seller_id")
    measure = django_filters.CharFilter()
    period = django_filters.CharFilter()
    source = django_filters.ChoiceFilter(choices=Quota.Source.choices)


@extend_schema_view(
    list=extend_schema(summary="Quotas of the sellers you may see", responses={200: QuotaSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One quota", responses={200: QuotaSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Set a quota (upsert by seller, measure and period)",
        request=QuotaSerializer,
        responses={201: QuotaSerializer, 200: QuotaSerializer, **error_responses(400, 403)},
    ),
    update=extend_schema(
        summary="Change a quota's amount", request=QuotaUpdateSerializer,
        responses={200: QuotaSerializer, **error_responses(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Change a quota's amount", request=QuotaUpdateSerializer,
        responses={200: QuotaSerializer, **error_responses(400, 403)},
    ),
)
class QuotaViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    TenantGenericViewSet,
):
    queryset = Quota.all_tenants.none()
    filterset_class = QuotaFilter
    action_capabilities = {"create": "quotas.edit", "update": "quotas.edit", "partial_update": "quotas.edit"}

    def scope_queryset(self):
        return selectors.quota_list(access=self.access)

    def get_serializer_class(self):
        return QuotaUpdateSerializer if self.action in ("update", "partial_update") else QuotaSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quota = services.quota_set(
            seller=data["seller"],
            measure=data.get("measure", "bookings"),
            period=data["period"],
            amount=data["amount"],
            source=data.get("source", Quota.Source.MANUAL),
            actor=request.user,
        )
        created = quota.upsert_status == "created"  # the upsert says what it did; no second lookup
        return Response(
            QuotaSerializer(quota, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def update(self, request, *args, **kwargs):
        quota = self.get_object()
        serializer = self.get_serializer(quota, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quota = services.quota_set(
            seller=quota.seller,
            measure=quota.measure,
            period=quota.period,
            amount=data.get("amount", quota.amount),
            source=data.get("source", quota.source),
            actor=request.user,
        )
        return Response(QuotaSerializer(quota, context=self.get_serializer_context()).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)
