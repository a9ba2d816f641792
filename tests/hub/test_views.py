"""The members page: admins add people by e-mail, change roles, remove them, link them to sellers.

Only admin has members.manage; ids of another tenant's memberships are 404.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from planning.models import Seller
from spm.models import AuditEvent, Membership
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db
User = get_user_model()


def url(name: str, world, **kwargs) -> str:
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kwargs})


def member(world, persona) -> Membership:
    with tenant_atomic(world.tenant):
        return Membership.objects.get(user=world.users[persona])


def roles(world) -> dict[str, str]:
    with tenant_atomic(world.tenant):
        return dict(Membership.objects.values_list("user__email", "role"))


def test_admin_adds_a_new_person_who_gets_a_password_link(client, acme, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(acme.users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("hub:members", acme), {"email": "Dana@Acme.test", "role": "manager"})
    assert response.status_code == 302
    assert roles(acme)["dana@acme.test"] == "manager"
    assert not User.objects.get(email="dana@acme.test").has_usable_password()
    [mail] = mailoutbox
    assert mail.to == ["dana@acme.test"] and "/accounts/reset/" in mail.body
    page = client.get(response["Location"]).content.decode()
    assert "Added dana@acme.test as Manager." in page and "e-mailed a link" in page


def test_adding_links_the_seller_given(client, acme):
    client.force_login(acme.users["admin"])
    client.post(url("hub:members", acme), {"email": "vp@acme.test", "role": "manager", "seller": "acme-vp"})
    with tenant_atomic(acme.tenant):
        assert Seller.objects.get(external_id="acme-vp").user.email == "vp@acme.test"


@pytest.mark.parametrize(("data", "error"), [
    ({"email": "rep@acme.test", "role": "rep"}, "rep@acme.test is already a member (Rep)."),
    ({"email": "nobody", "role": "rep"}, "Enter a valid email address."),
    ({"email": "x@acme.test", "role": "pope"}, "Select a valid choice."),
    ({"email": "x@acme.test", "role": "rep", "seller": "globex-rep"}, "No seller with id"),
])
def test_bad_additions_are_shown_on_the_form_and_nothing_is_written(client, acme, globex, data, error):
    client.force_login(acme.users["admin"])
    response = client.post(url("hub:members", acme), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.filter(email="x@acme.test").exists()
    assert len(roles(acme)) == 7


def test_admin_changes_a_role(client, acme):
    client.force_login(acme.users["admin"])
    response = client.post(url("hub:member_role", acme, pk=member(acme, "rep").pk), {"role": "finance"}, follow=True)
    assert "rep@acme.test is now Finance (was Rep)." in response.content.decode()
    assert roles(acme)["rep@acme.test"] == "finance"
    with tenant_atomic(acme.tenant):
        assert AuditEvent.objects.filter(action="membership.update").count() == 1


def test_admins_cannot_demote_or_remove_themselves(client, acme):
    client.force_login(acme.users["admin"])
    own = member(acme, "admin").pk
    response = client.post(url("hub:member_role", acme, pk=own), {"role": "rep"}, follow=True)
    assert "You cannot change your own role" in response.content.decode()
    response = client.post(url("hub:member_remove", acme, pk=own), {"confirm": "yes"}, follow=True)
    assert "You cannot remove yourself" in response.content.decode()
    assert roles(acme)["admin@acme.test"] == "admin"


def test_one_admin_may_remove_another(client, acme):
    # With the self-rule the page can never leave zero admins (the actor is one); the last-admin
    # rule itself is covered in tests/spm/test_membership_services.py.
    with tenant_atomic(acme.tenant):
        Membership.objects.filter(user=acme.users["finance"]).update(role="admin")
    client.force_login(acme.users["finance"])
    client.post(url("hub:member_remove", acme, pk=member(acme, "admin").pk), {"confirm": "yes"})
    assert "admin@acme.test" not in roles(acme)
    assert roles(acme)["finance@acme.test"] == "admin"


def test_admin_removes_a_member_after_confirming(client, acme):
    client.force_login(acme.users["admin"])
    pk = member(acme, "executive").pk
    response = client.post(url("hub:member_remove", acme, pk=pk), follow=True)
    assert "Confirm the removal" in response.content.decode()
    assert "exec@acme.test" in roles(acme)
    response = client.post(url("hub:member_remove", acme, pk=pk), {"confirm": "yes"}, follow=True)
    assert "Removed exec@acme.test from Acme." in response.content.decode()
    assert "exec@acme.test" not in roles(acme)
    client.force_login(acme.users["executive"])
    assert client.get(url("analytics:dashboard", acme)).status_code == 404


def test_link_and_unlink_a_seller(client, acme):
    client.force_login(acme.users["admin"])
    pk = member(acme, "executive").pk
    response = client.post(url("hub:member_seller", acme, pk=pk), {"seller": "acme-mgr2"}, follow=True)
    assert "exec@acme.test now sees acme Other Manager" in response.content.decode()
    with tenant_atomic(acme.tenant):
        assert Seller.objects.get(external_id="acme-mgr2").user_id == acme.users["executive"].pk
    response = client.post(url("hub:member_seller", acme, pk=member(acme, "peer").pk), {"seller": "acme-mgr2"}, follow=True)
    assert "already linked to another member" in response.content.decode()
    client.post(url("hub:member_seller", acme, pk=pk), {"unlink": "acme-mgr2"})
    with tenant_atomic(acme.tenant):
        assert Seller.objects.get(external_id="acme-mgr2").user_id is None
    response = client.post(url("hub:member_seller", acme, pk=pk), {"seller": "globex-rep"}, follow=True)
    assert "No seller with id" in response.content.decode()


def test_the_page_shows_roles_sellers_and_forms(client, acme):
    client.force_login(acme.users["admin"])
    content = client.get(url("hub:members", acme)).content.decode()
    assert "Add member</button>" in content
    assert 'action="{}"'.format(url("hub:member_remove", acme, pk=member(acme, "rep").pk)) in content
    assert 'action="{}"'.format(url("hub:member_remove", acme, pk=member(acme, "admin").pk)) not in content
    assert "acme Rep" in content  # the rep's linked seller


@pytest.mark.parametrize("persona", ["rep", "manager", "revops", "finance", "executive"])
def test_only_admins_manage_members(client, acme, persona):
    client.force_login(acme.users[persona])
    assert client.post(url("hub:members", acme), {"email": "x@acme.test", "role": "admin"}).status_code == 403
    assert client.post(url("hub:member_role", acme, pk=member(acme, persona).pk), {"role": "admin"}).status_code == 403
    assert client.post(url("hub:member_remove", acme, pk=member(acme, "rep").pk), {"confirm": "yes"}).status_code == 403
    assert "admin" not in {roles(acme)[acme.users[persona].email], roles(acme)["rep@acme.test"]}
    assert not User.objects.filter(email="x@acme.test").exists()


@pytest.mark.parametrize("name", ["hub:member_role", "hub:member_remove", "hub:member_seller"])
def test_another_tenants_member_is_404(client, acme, globex, name):
    client.force_login(acme.users["admin"])
    target = member(globex, "rep")
    response = client.post(url(name, acme, pk=target.pk), {"role": "admin", "confirm": "yes", "seller": "acme-rep"})
    assert response.status_code == 404
    assert roles(globex)["rep@globex.test"] == "rep"


def test_linking_picks_from_the_unlinked_sellers_by_name(client, acme):
    client.force_login(acme.users["admin"])
    pk = member(acme, "executive").pk
    content = client.get(url("hub:members", acme) + f"?link={pk}").content.decode()
    picker = content.split('id="link-seller-choice"')[1].split("</select>")[0]
    assert 'action="{}"'.format(url("hub:member_seller", acme, pk=pk)) in content
    assert '<option value="acme-mgr2">acme Other Manager · acme-mgr2</option>' in picker
    assert "acme-rep" not in picker  # already linked to the rep


@pytest.mark.parametrize("link", ["²", "9" * 30])
def test_members_page_ignores_an_odd_link_parameter(client, acme, link):
    client.force_login(acme.users["admin"])
    response = client.get(reverse("hub:members", kwargs={"tenant": acme.tenant.slug}), {"link": link})
    assert response.status_code == 200
