"""A tenant's data: exported whole (zip of CSVs: page, API, command) and deleted leaving no row.

Both run on SQLite and on PostgreSQL (with RLS: the deletes pass the policy because the tenant is
in scope). Every tenant table is checked by enumeration, so a table added later is covered.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from spm.models import Membership, Tenant
from spm.tenancy.db import set_db_scope, tenant_atomic
from spm.tenancy.lifecycle import tenant_delete, tenant_export
from spm.tenancy.models import tenant_models
from tests import factories

pytestmark = pytest.mark.django_db

TABLES = sorted(m._meta.db_table for m in tenant_models())


@pytest.fixture
def worlds(db):
    return (factories.complete_tenant(factories.build_tenant("acme")),
            factories.complete_tenant(factories.build_tenant("globex")))


def rows_of(tenant_id: int) -> dict[str, int]:
    """Rows per tenant table for a tenant id, read with that tenant set (RLS lets exactly them through)."""
    out = {}
    with transaction.atomic():
        set_db_scope(tenant_id=tenant_id)
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f'SELECT count(*) FROM "{table}" WHERE tenant_id = %s', [tenant_id])
                out[table] = cursor.fetchone()[0]
    return out


def read_zip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_the_export_holds_every_tenant_table_and_nothing_of_another_tenant(worlds):
    acme, _globex = worlds
    out = io.BytesIO()
    counts = tenant_export(tenant=acme.tenant, out=out)
    files = read_zip(out.getvalue())
    assert set(files) == {f"{t}.csv" for t in TABLES} | {"users.csv", "manifest.json"}
    expected = rows_of(acme.tenant.pk)
    for table in TABLES:
        rows = list(csv.DictReader(io.StringIO(files[f"{table}.csv"])))
        assert len(rows) == expected[table] == counts[f"{table}.csv"] > 0, table
        assert {r["tenant_id"] for r in rows} == {str(acme.tenant.pk)}, table
    assert all("globex" not in text.lower() for text in files.values())
    users = list(csv.DictReader(io.StringIO(files["users.csv"])))
    assert {u["email"] for u in users} == {u.email for u in acme.users.values()}
    assert "password" not in files["users.csv"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["tenant"]["slug"] == "acme" and manifest["files"] == counts


def test_admins_download_the_export_from_the_page_and_the_api(worlds):
    acme, _globex = worlds
    admin = Client()
    admin.force_login(acme.users["admin"])
    page = admin.get(reverse("tenancy:data_export", kwargs={"tenant": "acme"}))
    assert page.status_code == 200
    assert "planning_seller.csv" in page.content.decode()
    for url in (reverse("tenancy:data_export_download", kwargs={"tenant": "acme"}), "/api/v1/t/acme/export/"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/zip"
        assert "attachment" in response["Content-Disposition"]
        files = read_zip(b"".join(response.streaming_content))
        assert "planning_seller.csv" in files and "globex" not in files["planning_seller.csv"]


@pytest.mark.parametrize("persona", ["finance", "revops", "executive", "rep"])
def test_only_admins_may_export(worlds, persona):
    acme, _globex = worlds
    client = Client()
    client.force_login(acme.users[persona])
    assert client.get(reverse("tenancy:data_export", kwargs={"tenant": "acme"})).status_code == 403
    assert client.get(reverse("tenancy:data_export_download", kwargs={"tenant": "acme"})).status_code == 403
    api = client.get("/api/v1/t/acme/export/")
    assert api.status_code == 403
    assert set(api.json()) >= {"detail", "code", "errors"}


def test_the_export_command_writes_the_zip(worlds, tmp_path):
    out = io.StringIO()
    call_command("tenant_export", tenant="acme", output=str(tmp_path / "acme.zip"), stdout=out)
    assert "Wrote" in out.getvalue()
    assert "planning_seller.csv" in read_zip((tmp_path / "acme.zip").read_bytes())


def test_deleting_a_tenant_leaves_no_row_behind_and_spares_the_other(worlds):
    acme, globex = worlds
    shared_user = acme.users["finance"]  # also a member of globex: keeps their account
    with tenant_atomic(globex.tenant):
        Membership.all_tenants.create(tenant=globex.tenant, user=shared_user, role="finance")
    acme_id = acme.tenant.pk
    globex_before = rows_of(globex.tenant.pk)
    assert all(rows_of(acme_id).values()), "every tenant table should hold acme rows before"

    counts = tenant_delete(tenant=acme.tenant)

    assert rows_of(acme_id) == dict.fromkeys(TABLES, 0)
    assert not Tenant.objects.filter(pk=acme_id).exists()
    assert rows_of(globex.tenant.pk) == globex_before
    users = get_user_model().objects
    assert users.filter(pk=shared_user.pk).exists()
    acme_only = [u.pk for p, u in acme.users.items() if p != "finance"]
    assert not users.filter(pk__in=acme_only).exists()
    assert counts["users (members of this tenant only)"] >= len(acme_only)


def test_the_delete_command_wants_the_slug_twice(worlds):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="repeat"):
        call_command("tenant_delete", tenant="acme", confirm="acm")
    assert Tenant.objects.filter(slug="acme").exists()
    out = io.StringIO()
    call_command("tenant_delete", tenant="acme", confirm="acme", stdout=out)
    assert "Deleted tenant acme" in out.getvalue()
    assert not Tenant.objects.filter(slug="acme").exists()
