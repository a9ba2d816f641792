"""Tenant isolation through the API: other tenants' ids are 404 in URLs and "does not exist" in bodies."""

import pytest
from rest_framework.test import APIClient

from tests.helpers import results


def _detail_routes(world):
    return [
        f"sellers/{world.sellers['rep'].pk}/",
        f"quotas/{_quota_id(world)}/",
        f"deals/{world.deals['rep'].pk}/",
        f"plans/{world.plan.pk}/",
        f"statements/{world.statements['rep'].pk}/",
    ]


def _quota_id(world):
    from planning.models import Quota
    from spm.tenancy.db import tenant_atomic

    with tenant_atomic(world.tenant):
        return Quota.objects.filter(seller=world.sellers["rep"]).values_list("pk", flat=True).first()


def test_a_non_member_gets_404_for_the_tenant(acme, globex, api_as):
    client = api_as(globex, "admin")
    assert client.get("/api/v1/t/acme/statements/").status_code == 404
    assert client.get("/api/v1/t/no-such-tenant/statements/").status_code == 404


def test_every_detail_route_404s_for_another_tenants_id(acme, globex, api_as):
    client = api_as(acme, "admin")
    for route in _detail_routes(globex):
        assert client.get(f"/api/v1/t/acme/{route}").status_code == 404, route
    for route in _detail_routes(acme):
        assert client.get(f"/api/v1/t/acme/{route}").status_code == 200, route


def test_approving_another_tenants_statement_is_404(acme, globex, api_as):
    response = api_as(acme, "finance").post(f"/api/v1/t/acme/statements/{globex.statements['rep'].pk}/approve/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "route", ["sellers", "accounts", "territories", "quotas", "deals", "plans", "assignments", "statements",
              "adjustments", "runs", "audit-events"],
)
def test_list_routes_show_only_the_tenants_rows(acme, globex, api_as, route):
    acme_rows = results(api_as(acme, "admin").get(f"/api/v1/t/acme/{route}/"))
    globex_rows = results(api_as(globex, "admin").get(f"/api/v1/t/globex/{route}/"))
    assert not {r["id"] for r in acme_rows} & {r["id"] for r in globex_rows}


def test_an_adjustment_naming_another_tenants_seller_is_rejected(acme, globex, api_as):
    response = api_as(acme, "finance").post(
        "/api/v1/t/acme/adjustments/",
        {"seller": globex.sellers["rep"].pk, "period": "2027-01", "amount": "100.00", "reason": "bonus"},
        format="json",
    )
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["errors"]["seller"])


def test_a_quota_naming_another_tenants_seller_is_rejected(acme, globex, api_as):
    response = api_as(acme, "revops").post(
        "/api/v1/t/acme/quotas/",
        {"seller": globex.sellers["rep"].pk, "period": "2027-Q2", "amount": "1000"},
        format="json",
    )
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["errors"]["seller"])


def test_an_assignment_naming_another_tenants_plan_is_rejected(acme, globex, api_as):
    response = api_as(acme, "revops").post(
        "/api/v1/t/acme/assignments/",
        {"seller": acme.sellers["rep"].pk, "plan": globex.plan.pk, "start_date": "2027-04-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["errors"]["plan"])


def test_a_deal_owned_by_another_tenants_seller_is_rejected(acme, globex, api_as):
    response = api_as(acme, "revops").post(
        "/api/v1/t/acme/deals/",
        {"external_id": "X-1", "owner": globex.sellers["rep"].pk, "amount": "10", "stage": "prospecting"},
        format="json",
    )
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["errors"]["owner"])


def test_a_token_of_another_tenants_user_gets_404(acme, globex):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": "admin@globex.test", "password": "pw"}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.get(f"/api/v1/t/acme/statements/{acme.statements['rep'].pk}/").status_code == 404
