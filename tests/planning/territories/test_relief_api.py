"""Territory plan relief API: list proposals, apply one (quotas.edit), schema."""

from __future__ import annotations

import pytest

from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def url(w, path: str = "") -> str:
    return f"/api/v1/t/acme/territory-plans/{w.draft.pk}/relief/{path}"


def test_revops_lists_and_applies_relief(relief_world, api_as):
    w = relief_world
    client = api_as(w, "revops")
    response = client.get(url(w))
    assert response.status_code == 200
    [row] = response.json()
    assert row["from_seller"] == w.sellers["rep"].pk and row["to_seller"] == w.sellers["peer"].pk
    assert row["accounts"] == 1 and row["potential"] == "100000.00" and row["share"] == "0.2500"
    assert row["total_potential"] == "400000.00" and row["applied"] is False
    body = {"from_seller": w.sellers["rep"].pk, "to_seller": w.sellers["peer"].pk}
    response = client.post(url(w, "apply/"), body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["relief"]["month"] == row["month"] and data["amount"] == row["quota_moved"]
    assert sum(float(v) for v in data["months"].values()) == float(data["amount"])
    again = client.post(url(w, "apply/"), body, format="json")
    assert again.status_code == 409 and "already applied" in again.content.decode()
    assert client.get(url(w)).json()[0]["applied"] is True
    with tenant_atomic(w.tenant):
        assert AuditEvent.objects.filter(action="quota.relief").count() == 1


def test_bad_bodies_are_400(relief_world, api_as):
    w = relief_world
    client = api_as(w, "admin")
    assert client.post(url(w, "apply/"), {"from_seller": "x"}, format="json").status_code == 400
    response = client.post(url(w, "apply/"), {"from_seller": w.sellers["peer"].pk}, format="json")
    assert response.status_code == 400 and "proposes no quota relief" in response.content.decode()


@pytest.mark.parametrize("persona", ["manager", "rep", "executive", "finance"])
def test_only_revops_and_admin_may_use_relief(relief_world, api_as, persona):
    w = relief_world
    client = api_as(w, persona)
    body = {"from_seller": w.sellers["rep"].pk, "to_seller": w.sellers["peer"].pk}
    assert client.post(url(w, "apply/"), body, format="json").status_code == 403
    assert client.get(url(w)).status_code == 403


def test_the_relief_actions_are_in_the_openapi_schema(relief_world, api_as):
    schema = api_as(relief_world, "admin").get("/api/schema/?format=json").json()
    paths = schema["paths"]
    listed = next(p for p in paths if p.endswith("/territory-plans/{id}/relief/"))
    applied = next(p for p in paths if p.endswith("/territory-plans/{id}/relief/apply/"))
    assert "get" in paths[listed] and "post" in paths[applied]
    assert "409" in paths[applied]["post"]["responses"]
