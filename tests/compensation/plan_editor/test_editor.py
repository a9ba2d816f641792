"""Plan editor on acme's closed January: the rep's D1 (60,000) and the peer's D2 (40,000) earn 10 %
of a 100,000 quarterly quota, so 6,000.00 and 4,000.00. A draft at 12 % pays 7,200.00 and
4,800.00: +2,000.00 in total. Nothing changes until a new version is saved."""

import copy
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from compensation.models import CompPlan
from compensation.plan_editor.selectors import parse_document_text, plan_preview
from spm.services import period_close
from spm.tenancy.access import TenantAccess, membership_in_scope
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def closed(acme):
    with tenant_atomic(acme.tenant):
        period_close(period="2027-01", actor=acme.users["finance"])
    return acme


def draft_at(world, rate: str) -> dict:
    document = copy.deepcopy(world.plan.document)
    document["components"][0]["tiers"][0]["rate"] = rate
    return document


def test_preview_shows_the_change_per_seller_and_in_total(closed):
    with tenant_atomic(closed.tenant):
        access = TenantAccess(tenant=closed.tenant, membership=membership_in_scope(closed.users["revops"]))
        preview = plan_preview(plan=closed.plan, document=draft_at(closed, "0.12"), access=access)
        assert CompPlan.objects.count() == 1
    assert preview.period == "2027-01"
    assert [(r["name"], r["before"], r["after"], r["change"]) for r in preview.rows] == [
        ("acme Peer", D("4000.00"), D("4800.00"), D("800.00")),
        ("acme Rep", D("6000.00"), D("7200.00"), D("1200.00"))]
    assert (preview.before, preview.after, preview.change) == (D("10000.00"), D("12000.00"), D("2000.00"))


def test_document_errors_are_listed_by_path():
    document, errors = parse_document_text('{"name": "X", "currency": "USD", "components": [{"name": "A", "type": "commission", "tiers": [{"rate": "abc"}]}]}')
    assert document is not None and any(e.startswith("components[0]") for e in errors)
    assert parse_document_text("{nope")[1][0].startswith("JSON: ")


def test_edit_page_previews_then_publishes_a_new_version(client, closed):
    url = reverse("compensation:plan_edit", kwargs={"tenant": "acme", "pk": closed.plan.pk})
    client.force_login(closed.users["revops"])
    assert client.get(url).status_code == 200
    text = json.dumps(draft_at(closed, "0.12"))
    page = client.post(url, {"document": text, "action": "preview"})
    assert b'data-testid="preview-change">2,000.00' in page.content
    bad = client.post(url, {"document": text.replace('"0.12"', '"x"'), "action": "save"})
    assert b'data-testid="plan-errors"' in bad.content
    response = client.post(url, {"document": text, "action": "publish"})
    assert response.status_code == 302
    with tenant_atomic(closed.tenant):
        versions = list(CompPlan.objects.order_by("version").values_list("version", "status", "document"))
    assert [(v, s) for v, s, _ in versions] == [(1, "published"), (2, "published")]
    assert versions[0][2] == closed.plan.document  # the published v1 is untouched
    client.force_login(closed.users["finance"])
    assert client.get(url).status_code == 403


def test_export_and_import_round_trip(client, acme):
    client.force_login(acme.users["revops"])
    exported = client.get(reverse("compensation:plan_export", kwargs={"tenant": "acme", "pk": acme.plan.pk}))
    assert exported["Content-Type"] == "application/json" and json.loads(exported.content) == acme.plan.document
    upload = io.BytesIO(exported.content)
    upload.name = "plan.json"
    response = client.post(reverse("compensation:plan_import", kwargs={"tenant": "acme"}), {"file": upload})
    assert response.status_code == 302
    with tenant_atomic(acme.tenant):
        assert CompPlan.objects.get(version=2).status == "draft"


def test_api_export_import_and_preview(client, closed):
    client.force_login(closed.users["revops"])
    base = "/api/v1/t/acme/plan-documents/"
    assert client.get(f"{base}{closed.plan.pk}/").json() == closed.plan.document
    preview = client.post(f"{base}{closed.plan.pk}/preview/", {"document": draft_at(closed, "0.12")},
                          content_type="application/json")
    assert preview.status_code == 200 and preview.json()["change"] == "2000.00"
    bad = client.post(base, {"document": draft_at(closed, "x")}, content_type="application/json")
    assert bad.status_code == 400 and "document.components[0].tiers[0].rate" in bad.json()["errors"]
    created = client.post(base, {"document": draft_at(closed, "0.11"), "publish": True}, content_type="application/json")
    assert created.status_code == 201 and created.json()["version"] == 2


def test_saving_from_an_editor_opened_before_a_newer_version_was_saved_is_refused(client, closed):
    """Two people edit the plan: the second save would start from v1 and silently drop the first one's v2.
    The page says so and keeps the draft text; a double-clicked publish stores one version, not two."""
    from compensation.services import comp_plan_create

    url = reverse("compensation:plan_edit", kwargs={"tenant": "acme", "pk": closed.plan.pk})
    client.force_login(closed.users["revops"])
    page = client.get(url).content.decode()
    assert 'name="latest_version" value="1"' in page
    with tenant_atomic(closed.tenant):
        comp_plan_create(document=draft_at(closed, "0.11"), actor=closed.users["admin"], publish=True)
    text = json.dumps(draft_at(closed, "0.12"))
    stale = client.post(url, {"document": text, "action": "publish", "latest_version": "1"})
    assert stale.status_code == 200
    body = stale.content.decode()
    assert "v2" in body and "after you opened" in body and "0.12" in body
    with tenant_atomic(closed.tenant):
        assert CompPlan.objects.count() == 2
    first = client.post(url, {"document": text, "action": "publish", "latest_version": "2"})
    again = client.post(url, {"document": text, "action": "publish", "latest_version": "2"})
    assert (first.status_code, again.status_code) == (302, 200)
    with tenant_atomic(closed.tenant):
        assert list(CompPlan.objects.order_by("version").values_list("version", flat=True)) == [1, 2, 3]


def test_a_rate_too_large_to_store_is_listed_not_saved(client, closed):
    url = reverse("compensation:plan_edit", kwargs={"tenant": "acme", "pk": closed.plan.pk})
    client.force_login(closed.users["revops"])
    response = client.post(url, {"document": json.dumps(draft_at(closed, "1e400")), "action": "save"})
    assert response.status_code == 200
    assert "components[0].tiers[0].rate: must be less than 1,000,000 in size" in response.content.decode()
    with tenant_atomic(closed.tenant):
        assert CompPlan.objects.count() == 1
