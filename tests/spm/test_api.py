"""Token login and /api/v1/me/: the user and their memberships across tenants."""

import pytest
from rest_framework.test import APIClient

from spm.roles import Role
from tests.factories import MembershipFactory


@pytest.fixture
def api():
    return APIClient()


def test_it_issues_a_token_for_username_and_password(api, acme):
    response = api.post("/api/v1/auth/token/", {"username": "rep@acme.test", "password": "pw"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "rep@acme.test"


def test_it_issues_a_token_for_email_and_password(api, acme):
    user = acme.users["finance"]
    user.username = "finance-user"
    user.save()
    response = api.post("/api/v1/auth/token/", {"email": "finance@acme.test", "password": "pw"}, format="json")
    assert response.status_code == 200
    assert response.json()["token"]


def test_it_refuses_a_wrong_password(api, acme):
    response = api.post("/api/v1/auth/token/", {"username": "rep@acme.test", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "credentials" in str(response.json())


def test_a_token_authenticates_tenant_endpoints(api, acme):
    token = api.post("/api/v1/auth/token/", {"username": "rep@acme.test", "password": "pw"}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/t/acme/statements/").status_code == 200


def test_anonymous_requests_are_refused(api, acme):
    assert api.get("/api/v1/me/").status_code == 401
    assert api.get("/api/v1/t/acme/statements/").status_code == 401


def test_me_lists_memberships_in_every_tenant(api, acme, globex):
    user = acme.users["manager"]
    MembershipFactory(tenant=globex.tenant, user=user, role=Role.FINANCE)
    api.force_login(user)
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    memberships = {m["tenant"]: m["role"] for m in response.json()["memberships"]}
    assert memberships == {"acme": "manager", "globex": "finance"}


def test_me_does_not_list_other_users_memberships(api, acme, globex):
    api.force_login(acme.users["rep"])
    memberships = api.get("/api/v1/me/").json()["memberships"]
    assert [m["tenant"] for m in memberships] == ["acme"]


def test_a_browser_asking_for_html_gets_json(acme):
    client = APIClient()
    client.force_login(acme.users["admin"])
    for route in ["statements/", f"statements/{acme.statements['rep'].pk}/", "adjustments/", "audit-events/"]:
        response = client.get(f"/api/v1/t/acme/{route}", HTTP_ACCEPT="text/html,*/*;q=0.8")
        assert response.status_code == 200, route
        assert response["Content-Type"].startswith("application/json")
