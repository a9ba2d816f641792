"""Kernel pages: sign-in, password reset, home, the tenant switcher and the navigation by role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.helpers import get_as, url

pytestmark = pytest.mark.django_db



def test_anonymous_users_are_sent_to_sign_in(client, acme):
    response = client.get(url("analytics:dashboard", acme))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_sign_in_and_password_reset_pages_render(client):
    for name in ("login", "password_reset"):
        assert client.get(reverse(name)).status_code == 200


def test_password_reset_sends_an_email(client, acme, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "rep@acme.test"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_home_redirects_to_the_only_workspace(client, acme):
    client.force_login(acme.users["rep"])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == url("analytics:dashboard", acme)


def test_home_offers_a_choice_to_someone_in_two_workspaces(client, acme, globex):
    user = acme.users["finance"]
    factories.MembershipFactory(tenant=globex.tenant, user=user, role="executive")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Acme" in response.content and b"Globex" in response.content


def test_switcher_lists_every_workspace_of_the_user(client, acme, globex):
    user = acme.users["finance"]
    factories.MembershipFactory(tenant=globex.tenant, user=user, role="executive")
    response = get_as(client, acme, "finance", url("compensation:statements", acme))
    assert reverse("switch_tenant", args=["globex"]).encode() in response.content
    response = client.get(reverse("switch_tenant", args=["globex"]))
    assert response["Location"] == url("analytics:dashboard", globex)


def test_switching_to_a_workspace_one_is_not_in_goes_home(client, acme, globex):
    client.force_login(acme.users["rep"])
    response = client.get(reverse("switch_tenant", args=["globex"]))
    assert response["Location"] == reverse("home")


def test_reps_do_not_see_finance_links(client, acme):
    content = get_as(client, acme, "rep", url("analytics:dashboard", acme)).content.decode()
    assert url("compensation:statements", acme) in content
    assert url("compensation:approvals", acme) not in content
    assert url("analytics:audit", acme) not in content
