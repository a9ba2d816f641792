"""Coaching API: notes and follow-ups, visible to the rep and their managers (never peers)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from performance.coaching import selectors, services
from performance.coaching.models import CoachingNote, FollowUp
from performance.selectors import seller_deal
from planning.api.serializers import visible_seller_field
from spm.api.base import TenantGenericViewSet
from spm.api.filters import id_query_param
from spm.api.schema import READ_ERRORS, error_responses

WRITE_ERRORS = error_responses(400, 403)


class CoachingNoteSerializer(serializers.ModelSerializer):
    author_email = serializers.CharField(source="author.email", read_only=True, default=None)

    class Meta:
        model = CoachingNote
        fields = ["id", "seller", "opportunity", "author_email", "body", "created_at"]
        read_only_fields = ["id", "author_email", "created_at"]

    seller = visible_seller_field()
    opportunity = serializers.IntegerField(source="opportunity_id", required=False, allow_null=True, default=None)


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "seller", "opportunity", "title", "due_date", "done_at", "created_at"]
        read_only_fields = ["id", "done_at", "created_at"]

    seller = visible_seller_field()
    opportunity = serializers.IntegerField(source="opportunity_id", required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(summary="Coaching notes you may see (?seller=id)", responses={200: CoachingNoteSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(summary="Write a note on a rep or one of their deals", responses={201: CoachingNoteSerializer, **WRITE_ERRORS}),
)
class NoteViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, TenantGenericViewSet):
    queryset = CoachingNote.all_tenants.none()
    serializer_class = CoachingNoteSerializer
    action_capabilities = {"list": "coaching.view", "create": "coaching.write"}

    def scope_queryset(self):
        qs = selectors.note_list(access=self.access)
        seller = id_query_param(self.request, "seller")
        return qs.filter(seller_id=seller) if seller else qs

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        seller = data.validated_data["seller"]
        note = services.coaching_note_create(seller=seller, body=data.validated_data["body"], actor=request.user,
                                             opportunity=seller_deal(seller=seller, pk=data.validated_data.get("opportunity_id")))
        return Response(CoachingNoteSerializer(note, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Follow-ups you may see (?seller=id)", responses={200: FollowUpSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(summary="Add a follow-up with a due date", responses={201: FollowUpSerializer, **WRITE_ERRORS}),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, TenantGenericViewSet):
    queryset = FollowUp.all_tenants.none()
    serializer_class = FollowUpSerializer
    action_capabilities = {"list": "coaching.view", "create": "coaching.write", "complete": "coaching.view"}

    def scope_queryset(self):
        qs = selectors.follow_up_list(access=self.access)
        seller = id_query_param(self.request, "seller")
        return qs.filter(seller_id=seller) if seller else qs

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        seller = data.validated_data["seller"]
        follow_up = services.follow_up_create(
            seller=seller, title=data.validated_data["title"], due_date=data.validated_data["due_date"],
            actor=request.user, opportunity=seller_deal(seller=seller, pk=data.validated_data.get("opportunity_id")))
        return Response(FollowUpSerializer(follow_up, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Mark a follow-up done", request=None,
                   responses={200: FollowUpSerializer, **error_responses(403, 409)})
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        follow_up = services.follow_up_complete(follow_up=self.get_object(), actor=request.user)
        return Response(FollowUpSerializer(follow_up, context=self.get_serializer_context()).data)
