"""REST bulk upsert of sellers/opportunities, and the signed CRM webhook: the same import path as files.

* ``POST /api/v1/t/<tenant>/imports/<kind>/`` (revops/admin): ``{"rows": [{column: value}], "as_of":
  "YYYY-MM-DD", "dry_run": false}`` → 200 with the report, or 400 with the report naming every error
  (row n is "line" n + 1); all or nothing.
* ``POST /api/v1/t/<tenant>/imports/webhook/`` (no session: signed): headers ``X-SPM-Timestamp``
  (Unix seconds) and ``X-SPM-Signature`` = hex HMAC-SHA256 with the tenant's secret over
  ``timestamp + "." + body``; unsigned or wrongly signed → 404 (nothing said about the workspace), a
  timestamp more than 5 minutes away → 401, a delivery already taken is a replay → 409.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from performance.models import CrmWebhook, WebhookDelivery
from spm.api.base import TenantAPIMixin
from spm.hub.imports import KINDS, import_records
from spm.tenancy.access import TenantAccess, membership_in_scope, tenant_for_slug
from spm.tenancy.db import tenant_atomic

TOLERANCE_SECONDS = 300


class BulkImportSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField(), help_text="One object per row, canonical column names.")
    as_of = serializers.DateField(required=False, allow_null=True, default=None,
                                  help_text="Date of this snapshot for the deal history (default today).")
    dry_run = serializers.BooleanField(required=False, default=False)


class ImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())
    error_count = serializers.IntegerField()


class BulkImportView(TenantAPIMixin, APIView):
    action_capabilities = {"post": "imports.run"}
    serializer_class = BulkImportSerializer

    @extend_schema(summary="Upsert sellers or opportunities in bulk (all or nothing)", request=BulkImportSerializer,
                   responses={200: ImportReportSerializer, 400: ImportReportSerializer,
                              403: OpenApiResponse(description="Your role cannot import"),
                              404: OpenApiResponse(description="No such workspace or kind")})
    def post(self, request, *args, **kwargs):
        kind = kwargs["kind"]
        if kind not in KINDS:
            return Response({"detail": f"Unknown import kind {kind!r}: sellers, opportunities or activities."},
                            status=status.HTTP_404_NOT_FOUND)
        body = BulkImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = import_records(kind=kind, records=body.validated_data["rows"], tenant_slug=self.access.tenant.slug,
                                 file=f"api:{kind}", as_of=body.validated_data["as_of"],
                                 dry_run=body.validated_data["dry_run"], actor=request.user)
        return Response(outcome.as_dict(), status=status.HTTP_400_BAD_REQUEST if outcome.errors else status.HTTP_200_OK)


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature a CRM sends: hex HMAC-SHA256 over "timestamp.body"."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _webhook_usage(request, tenant_obj):
    """GET, for a member who may import: how to call this webhook (never the secret). Anyone else: 404."""
    if not request.user.is_authenticated:
        return JsonResponse(NOT_FOUND, status=404)
    with tenant_atomic(tenant_obj, user_id=request.user.pk):
        membership = membership_in_scope(request.user)
        if membership is None or not TenantAccess(tenant=tenant_obj, membership=membership).can("imports.run"):
            return JsonResponse(NOT_FOUND, status=404)
        configured = CrmWebhook.objects.exists()
    return JsonResponse({
        "configured": configured, "method": "POST", "body": {"kind": "sellers|opportunities|activities", "rows": [],
                                                             "as_of": "YYYY-MM-DD (optional)"},
        "headers": {"X-SPM-Timestamp": "Unix seconds, within 5 minutes",
                    "X-SPM-Signature": "hex HMAC-SHA256 with the workspace's secret over timestamp + '.' + body"},
    })


NOT_FOUND = {"detail": "No such webhook (or the request is not signed with its secret)."}


@csrf_exempt
def crm_webhook(request, tenant: str):
    """Anything but a POST signed with the workspace's secret is a 404: the endpoint says nothing about
    which workspaces exist. A signed push that is stale is 401, one already received 409."""
    tenant_obj = tenant_for_slug(tenant)
    if tenant_obj is None:
        return JsonResponse(NOT_FOUND, status=404)
    if request.method == "GET":
        return _webhook_usage(request, tenant_obj)
    if request.method != "POST":
        return JsonResponse(NOT_FOUND, status=404)
    raw_ts, signature = request.headers.get("X-SPM-Timestamp", ""), request.headers.get("X-SPM-Signature", "")
    with tenant_atomic(tenant_obj):
        hook = CrmWebhook.objects.first()
    if hook is None or not raw_ts or not hmac.compare_digest(sign(hook.secret, raw_ts, request.body), signature.lower()):
        return JsonResponse(NOT_FOUND, status=404)
    try:
        timestamp = int(raw_ts)
    except ValueError:
        return JsonResponse({"detail": "X-SPM-Timestamp: Unix seconds required."}, status=401)
    if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
        return JsonResponse({"detail": "X-SPM-Timestamp is more than 5 minutes away: refused."}, status=401)
    try:
        with tenant_atomic(tenant_obj), transaction.atomic():
            delivery = WebhookDelivery.objects.create(signature=signature.lower(), timestamp=timestamp)
    except IntegrityError:
        return JsonResponse({"detail": "This delivery was already received: replay refused."}, status=409)
    try:
        payload = json.loads(request.body)
        kind, rows = payload["kind"], payload["rows"]
        as_of = dt.date.fromisoformat(payload["as_of"]) if payload.get("as_of") else None
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": 'The body must be JSON {"kind": "opportunities"|"sellers"|"activities", "rows": [...]} '
                                       '(optional "as_of": "YYYY-MM-DD").'}, status=400)
    if kind not in KINDS:
        return JsonResponse({"detail": f"kind: {kind!r} is not sellers, opportunities or activities."}, status=400)
    with tenant_atomic(tenant_obj):
        outcome = import_records(kind=kind, records=rows, tenant_slug=tenant_obj.slug, file=f"webhook:{kind}",
                                 as_of=as_of)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(report=outcome.as_dict())
    return JsonResponse(outcome.as_dict(), status=400 if outcome.errors else 200)
