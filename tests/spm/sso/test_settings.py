"""The SSO settings: admin page and API (admins only), audited, the secret never shown, audited or exported."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.test import Client

from spm.models import AuditEvent
from spm.security.logging import MASK
from spm.sso.models import SsoDomain, SsoProvider
from spm.sso.selectors import sso_workspaces_for_domain
from spm.tenancy.db import tenant_atomic
from spm.tenancy.lifecycle import tenant_delete, tenant_export
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/t/acme/settings/sso/"
API = "/api/v1/t/acme/sso/"
SECRET = "first-secret-value-9a7e"
FORM = {
    "enabled": "on", "issuer": "https://login.acme.test/realms/acme", "client_id": "rcc-web", "client_secret": SECRET,
    "allowed_domains": "acme.test, @Acme-Labs.test", "role_claim": "groups",
    "role_mapping": "sales-managers = manager\nFinance Team = Finance", "default_role": "rep", "create_members": "on",
}


def as_(world, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def provider(world) -> SsoProvider:
    with tenant_atomic(world.tenant):
        return SsoProvider.objects.get()


def events(world) -> list[AuditEvent]:
    with tenant_atomic(world.tenant):
        return list(AuditEvent.objects.filter(action__startswith="sso.").order_by("id"))


def test_an_admin_configures_sso_on_the_page(acme):
    admin = as_(acme, "admin")
    page = admin.get(URL)
    assert page.status_code == 200
    assert "http://testserver/sso/acme/callback/" in page.content.decode()
    response = admin.post(URL, FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = provider(acme)
    assert (saved.enabled, saved.client_secret, saved.allowed_domains) == (True, SECRET, ["acme.test", "acme-labs.test"])
    assert saved.role_mapping == [["sales-managers", "manager"], ["Finance Team", "finance"]]
    assert [t.slug for t in sso_workspaces_for_domain("ACME-labs.test")] == ["acme"]
    shown = admin.get(URL).content.decode()
    assert SECRET not in shown and "••••••••9a7e" in shown


def test_a_blank_secret_keeps_the_current_one_and_a_new_one_is_audited_as_changed(acme):
    admin = as_(acme, "admin")
    admin.post(URL, FORM)
    admin.post(URL, {**FORM, "client_secret": "", "client_id": "rcc-web-2"})
    assert provider(acme).client_secret == SECRET
    admin.post(URL, {**FORM, "client_secret": "second-secret-value-b3", "client_id": "rcc-web-2"})
    admin.post(URL, {**FORM, "client_secret": "second-secret-value-b3", "client_id": "rcc-web-2"})  # unchanged
    create, rename, rotate = events(acme)
    assert create.action == "sso.create" and create.after["client_secret"] == "changed"
    assert rename.before["client_id"] == "rcc-web" and rename.after["client_id"] == "rcc-web-2"
    assert "client_secret" not in rename.after
    assert rotate.after == {**rotate.before, "client_secret": "changed"}
    stored = json.dumps([[e.before, e.after] for e in events(acme)])
    assert SECRET not in stored and "second-secret-value" not in stored


@pytest.mark.parametrize(("field", "value", "says"), [
    ("issuer", "ftp://login.acme.test", "must start with https://"),
    ("allowed_domains", "acme.test, not a domain", "is not an e-mail domain"),
    ("role_mapping", "sales = wizard", "is not a role"),
    ("role_mapping", "just a group", "claim value = role"),
    ("client_secret", "", "give the client secret"),
])
def test_bad_settings_are_refused_on_the_field_and_nothing_is_saved(acme, field, value, says):
    response = as_(acme, "admin").post(URL, {**FORM, field: value})
    assert response.status_code == 200
    assert says in response.content.decode()
    with tenant_atomic(acme.tenant):
        assert not SsoProvider.objects.exists()
    assert not SsoDomain.objects.exists()


def test_enabling_needs_an_allowed_domain_and_turning_off_leaves_the_directory(acme):
    admin = as_(acme, "admin")
    assert "name at least one e-mail domain" in admin.post(URL, {**FORM, "allowed_domains": ""}).content.decode()
    admin.post(URL, FORM)
    admin.post(URL, {k: v for k, v in FORM.items() if k != "enabled"})
    assert not provider(acme).enabled
    assert sso_workspaces_for_domain("acme.test") == []


@pytest.mark.parametrize("persona", ["finance", "revops", "executive", "manager", "rep"])
def test_only_admins_may_see_or_change_sso(acme, persona):
    client = as_(acme, persona)
    assert client.get(URL).status_code == 403
    assert client.post(URL, FORM).status_code == 403
    api = client.get(API)
    assert api.status_code == 403 and set(api.json()) >= {"detail", "code", "errors"}
    assert client.put(API, {"issuer": "https://x.test", "client_id": "x"}, content_type="application/json").status_code == 403
    with tenant_atomic(acme.tenant):
        assert not SsoProvider.objects.exists()


def test_the_api_reads_and_writes_the_provider_and_never_returns_the_secret(acme):
    admin = as_(acme, "admin")
    empty = admin.get(API).json()
    assert empty["configured"] is False and empty["redirect_uri"] == "http://testserver/sso/acme/callback/"
    body = {"enabled": True, "issuer": "https://login.acme.test", "client_id": "rcc-api", "client_secret": SECRET,
            "allowed_domains": ["acme.test"], "role_mapping": [{"value": "sales-managers", "role": "manager"}],
            "default_role": "", "create_members": False}
    response = admin.put(API, body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert SECRET not in response.content.decode() and "client_secret" not in data
    assert data["client_secret_set"] is True and data["client_secret_hint"].endswith("9a7e")
    assert data["role_mapping"] == [{"value": "sales-managers", "role": "manager"}] and data["default_role"] == ""
    bad = admin.put(API, {**body, "allowed_domains": ["nope"]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "allowed_domains"
    bad_role = admin.put(API, {**body, "role_mapping": [{"value": "x", "role": "wizard"}]}, content_type="application/json")
    assert bad_role.status_code == 400
    assert provider(acme).client_id == "rcc-api"


def test_the_tenant_export_masks_the_client_secret_and_deleting_the_tenant_empties_the_directory():
    world = factories.complete_tenant(factories.build_tenant("acme"))
    out = io.BytesIO()
    tenant_export(tenant=world.tenant, out=out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        everything = "".join(archive.read(name).decode() for name in archive.namelist())
        rows = list(csv.DictReader(io.StringIO(archive.read("spm_ssoprovider.csv").decode())))
    assert [r["client_secret"] for r in rows] == [MASK]
    assert rows[0]["client_id"] == "acme-rcc"
    assert "acme-sso-client-secret" not in everything
    assert [t.slug for t in sso_workspaces_for_domain("acme.test")] == ["acme"]
    counts = tenant_delete(tenant=world.tenant)
    assert counts["spm_ssodomain"] == 1 and counts["spm_ssoprovider"] == 1
    assert not SsoDomain.objects.exists()
