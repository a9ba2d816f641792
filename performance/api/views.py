"""Perform pillar API: deals (opportunities) with splits, their upsert, and post-close events."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from performance import selectors, services
from performance.api.serializers import (
    OpportunityEventSerializer,
    OpportunitySerializer,
    OpportunityUpdateSerializer,
    OpportunityWriteSerializer,
)
from performance.models import Opportunity, OpportunitySplit
from spm.api.base import TenantGenericViewSet
from spm.api.schema import READ_ERRORS, error_responses


class OpportunityFilter(django_filters.FilterSet):
    owner = django_filters.NumberFilter(field_name="owner_id")
    closed_from = django_filters.DateFilter(field_name="close_date", lookup_expr="gte")
    closed_to = django_filters.DateFilter(field_name="close_date", lookup_expr="lte")
    stage = django_filters.CharFilter(field_name="stage")
    is_won = django_filters.BooleanFilter(field_name="is_won")
    is_closed = django_filters.BooleanFilter(field_name="is_closed")
    deal_type = django_filters.ChoiceFilter(choices=Opportunity.DealType.choices)
    forecast_category = django_filters.ChoiceFilter(choices=Opportunity.ForecastCategory.choices)
    account = django_filters.NumberFilter(field_name="account_id")


WRITE_ERRORS = error_responses(400, 403)


@extend_schema_view(
    list=extend_schema(summary="Deals you may see (owned by or split to a visible seller)",
                       responses={200: OpportunitySerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One deal with its splits", responses={200: OpportunitySerializer, **READ_ERRORS}),
    create=extend_schema(summary="Create or update a deal by external id", request=OpportunityWriteSerializer,
                         responses={201: OpportunitySerializer, 200: OpportunitySerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(summary="Change a deal", request=OpportunityUpdateSerializer,
                                 responses={200: OpportunitySerializer, **WRITE_ERRORS}),
)
class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = Opportunity.all_tenants.none()  # model for the schema only; data comes from scope_queryset
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    action_capabilities = {"create": "deals.edit", "partial_update": "deals.edit", "events": "deals.edit"}

    def scope_queryset(self):
        return selectors.opportunity_list(access=self.access).prefetch_related(
            Prefetch("splits", queryset=OpportunitySplit.objects.select_related("seller"))
        )

    def get_serializer_class(self):
        if self.action == "create":
            return OpportunityWriteSerializer
        if self.action == "partial_update":
            return OpportunityUpdateSerializer
        if self.action == "events":
            return OpportunityEventSerializer
        return OpportunitySerializer

    def _render(self, opportunity: Opportunity, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=opportunity.pk)
        return Response(OpportunitySerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.get("splits") is not None:
            data["splits"] = [(s["seller"], s["pct"]) for s in data["splits"]]
        opportunity, created = services.opportunity_upsert(**data, actor=request.user)
        return self._render(opportunity, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        deal = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.get("splits") is not None:
            data["splits"] = [(s["seller"], s["pct"]) for s in data["splits"]]
        opportunity = services.opportunity_update(opportunity=deal, actor=request.user, **data)
        return self._render(opportunity)

    @extend_schema(summary="Record a post-close event on a deal (churn → clawback)",
                   request=OpportunityEventSerializer,
                   responses={201: OpportunityEventSerializer, **WRITE_ERRORS, **error_responses(409)})
    @action(detail=True, methods=["post"])
    def events(self, request, *args, **kwargs):
        deal = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.opportunity_event_record(
            opportunity=deal, type=serializer.validated_data.get("type", "churn"),
            date=serializer.validated_data["date"], actor=request.user,
        )
        return Response(OpportunityEventSerializer(event).data, status=status.HTTP_201_CREATED)
