"""Disputes API: list/retrieve (visibility rule), open, comment, review, accept, reject."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from compensation.disputes import services
from compensation.disputes.models import Dispute, DisputeComment
from compensation.disputes.selectors import dispute_comments, dispute_list
from compensation.models import EarningLine, Statement
from compensation.selectors import statement_list
from spm.api.base import TenantGenericViewSet
from spm.api.fields import ScopedPrimaryKeyRelatedField
from spm.api.schema import READ_ERRORS, error_responses
from spm.fiscal import MONTH_KEY_PATTERN

ACTION_ERRORS = error_responses(400, 403, 409)


class DisputeCommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.email", read_only=True, default=None)

    class Meta:
        model = DisputeComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class DisputeSerializer(serializers.ModelSerializer):
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    period = serializers.CharField(source="statement.period", read_only=True)
    raised_by = serializers.CharField(source="raised_by.email", read_only=True, default=None)
    resolved_by = serializers.CharField(source="resolved_by.email", read_only=True, default=None)
    status = serializers.CharField(read_only=True, help_text="open | in_review | accepted | rejected")

    class Meta:
        model = Dispute
        fields = ["id", "statement", "period", "seller", "seller_name", "line", "line_component", "line_deal",
                  "line_amount", "amount", "reason", "status", "raised_by", "raised_at", "resolution", "resolved_by",
                  "resolved_at", "adjustment"]
        read_only_fields = fields


class DisputeDetailSerializer(DisputeSerializer):
    comments = serializers.SerializerMethodField()

    class Meta(DisputeSerializer.Meta):
        fields = [*DisputeSerializer.Meta.fields, "comments"]
        read_only_fields = fields

    @extend_schema_field(DisputeCommentSerializer(many=True))
    def get_comments(self, obj) -> list[dict]:
        return DisputeCommentSerializer(dispute_comments(dispute=obj), many=True).data


class DisputeOpenSerializer(serializers.Serializer):
    statement = ScopedPrimaryKeyRelatedField(model=Statement, scope=lambda access: statement_list(access=access))
    line = ScopedPrimaryKeyRelatedField(
        model=EarningLine, required=False, allow_null=True,
        scope=lambda access: EarningLine.objects.filter(statement__in=statement_list(access=access)),
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Change claimed, signed, in cents.")
    reason = serializers.CharField(max_length=2000)


class DisputeCommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)


class DisputeAcceptSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    period = serializers.RegexField(MONTH_KEY_PATTERN, required=False, allow_blank=True)
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DisputeRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DisputeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Dispute.Status.choices)
    statement = django_filters.NumberFilter(field_name="statement_id")


@extend_schema_view(
    list=extend_schema(summary="Disputes you may see (a rep: their own; finance: all)",
                       responses={200: DisputeSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One dispute with its comment thread",
                           responses={200: DisputeDetailSerializer, **READ_ERRORS}),
)
class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = Dispute.all_tenants.none()
    serializer_class = DisputeSerializer
    filterset_class = DisputeFilter
    action_capabilities = {"review": "disputes.resolve", "accept": "disputes.resolve", "reject": "disputes.resolve"}

    def scope_queryset(self):
        return dispute_list(access=self.access).order_by("-raised_at", "-id")

    def get_serializer_class(self):
        return DisputeDetailSerializer if self.action == "retrieve" else DisputeSerializer

    @extend_schema(summary="Open a dispute on a line of your statement", request=DisputeOpenSerializer,
                   responses={201: DisputeSerializer, **ACTION_ERRORS})
    def create(self, request, *args, **kwargs):
        data = DisputeOpenSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        line = data.validated_data.get("line")
        dispute = services.dispute_open(statement=data.validated_data["statement"], line=line,
                                        amount=data.validated_data["amount"], reason=data.validated_data["reason"],
                                        actor=request.user)
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Add a comment to the thread", request=DisputeCommentCreateSerializer,
                   responses={201: DisputeCommentSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def comments(self, request, *args, **kwargs):
        dispute = self.get_object()  # 404 before 400: an id outside the viewer's reach is never validated
        data = DisputeCommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.dispute_comment(dispute=dispute, body=data.validated_data["body"], actor=request.user)
        return Response(DisputeCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Take an open dispute into review (finance)", request=None,
                   responses={200: DisputeSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        return Response(DisputeSerializer(services.dispute_review(dispute=self.get_object(), actor=request.user)).data)

    @extend_schema(summary="Accept: creates a linked adjustment and recalculates its month (finance)",
                   request=DisputeAcceptSerializer, responses={200: DisputeSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        dispute = self.get_object()
        data = DisputeAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.dispute_accept(
            dispute=dispute, actor=request.user, amount=data.validated_data.get("amount"),
            period=data.validated_data.get("period") or None, resolution=data.validated_data.get("resolution", ""),
        )
        return Response(DisputeSerializer(dispute).data)

    @extend_schema(summary="Reject with a reason (finance)", request=DisputeRejectSerializer,
                   responses={200: DisputeSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        dispute = self.get_object()
        data = DisputeRejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.dispute_reject(dispute=dispute, actor=request.user, reason=data.validated_data["reason"])
        return Response(DisputeSerializer(dispute).data)
