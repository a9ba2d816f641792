"""REST bulk upsert and the signed CRM webhook: the same path, all or nothing, replays refused."""

from __future__ import annotations

import json
import time

import pytest

from performance.models import CrmWebhook, Opportunity
from planning.models import Seller
from spm.hub.api import sign
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db

ROW = {"external_id": "API-1", "account": "Globo", "owner_email": "rep-seller@acme.test", "stage": "Negotiation",
       "amount": 1200.5, "currency": "USD", "created_date": "2027-01-02", "close_date": None, "is_won": False,
       "is_closed": False, "probability": 0.6}


@pytest.fixture
def emails(acme):
    with tenant_atomic(acme.tenant):
        Seller.objects.filter(pk=acme.sellers["rep"].pk).update(email="rep-seller@acme.test")
    return acme


def bulk(client, world, kind, payload):
    return client.post(f"/api/v1/t/{world.tenant.slug}/imports/{kind}/", payload, content_type="application/json")


def test_bulk_upsert_creates_then_reports_unchanged(client, emails):
    client.force_login(emails.users["revops"])
    response = bulk(client, emails, "opportunities", {"rows": [ROW], "as_of": "2027-01-05"})
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 1, "created": 1, "updated": 0, "unchanged": 0, "errors": [], "error_count": 0}
    assert bulk(client, emails, "opportunities", {"rows": [ROW]}).json()["unchanged"] == 1
    with tenant_atomic(emails.tenant):
        deal = Opportunity.objects.get(external_id="API-1")
        assert str(deal.amount) == "1200.50" and str(deal.probability) == "0.6000"


def test_bulk_errors_are_400_and_nothing_is_written(client, emails):
    client.force_login(emails.users["admin"])
    bad = [ROW, {**ROW, "external_id": "API-2", "amount": "12k"}]
    response = bulk(client, emails, "opportunities", {"rows": bad})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"line": 3, "column": "amount", "value": "12k",
                                          "message": response.json()["errors"][0]["message"]}]
    with tenant_atomic(emails.tenant):
        assert not Opportunity.objects.filter(external_id__startswith="API-").exists()


def test_bulk_sellers_and_permissions(client, emails):
    client.force_login(emails.users["rep"])
    assert bulk(client, emails, "sellers", {"rows": []}).status_code == 403
    client.force_login(emails.users["revops"])
    row = {"email": "new@acme.test", "name": "New Rep", "role": "rep", "manager_email": "", "region": "NA", "team": "T"}
    assert bulk(client, emails, "sellers", {"rows": [row]}).json()["created"] == 1
    assert bulk(client, emails, "nonsense", {"rows": []}).status_code == 404


def post_hook(client, world, body: dict, *, secret: str, timestamp: int | None = None, signature: str | None = None):
    raw = json.dumps(body).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return client.post(f"/api/v1/t/{world.tenant.slug}/imports/webhook/", raw, content_type="application/json",
                       HTTP_X_SPM_TIMESTAMP=ts, HTTP_X_SPM_SIGNATURE=signature or sign(secret, ts, raw))


def test_signed_webhook_imports_and_refuses_replays_stale_and_bad_signatures(client, emails):
    with tenant_atomic(emails.tenant):
        secret = CrmWebhook.objects.create().secret
    body = {"kind": "opportunities", "rows": [ROW], "as_of": "2027-01-06"}
    ts = int(time.time())
    first = post_hook(client, emails, body, secret=secret, timestamp=ts)
    assert first.status_code == 200 and first.json()["created"] == 1
    assert post_hook(client, emails, body, secret=secret, timestamp=ts).status_code == 409  # the same delivery again
    assert post_hook(client, emails, body, secret=secret, timestamp=ts - 3600).status_code == 401  # stale
    assert post_hook(client, emails, body, secret="wrong" * 8).status_code == 404  # unsigned: nothing to see
    assert post_hook(client, emails, {**body, "rows": [{**ROW, "amount": -1}]}, secret=secret).status_code == 400
    with tenant_atomic(emails.tenant):
        assert Opportunity.objects.get(external_id="API-1").amount == 1200.5


def test_webhook_without_a_secret_or_tenant_is_refused(client, emails):
    assert post_hook(client, emails, {"kind": "sellers", "rows": []}, secret="x").status_code == 404
    assert client.post("/api/v1/t/nowhere/imports/webhook/", b"{}", content_type="application/json").status_code == 404


@pytest.mark.parametrize("kind", ["sellers", "opportunities"])
def test_an_empty_bulk_push_is_nothing_to_do_not_missing_columns(client, emails, kind):
    # JSON rows have no header line: zero rows miss no column (a CRM may push an empty batch).
    client.force_login(emails.users["revops"])
    response = bulk(client, emails, kind, {"rows": []})
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "errors": [], "error_count": 0}
