"""A tenant's whole data: exported as a zip of CSVs, or deleted leaving no row behind.

Both walk every tenant table generically (`tenant_models()`: every concrete TenantModel, whatever
pillar defines it), so a table added later is exported and deleted without anyone remembering to.

* `tenant_export(tenant=..., out=...)` writes ``<table>.csv`` (all columns, ordered by id) for every
  tenant table, ``users.csv`` (the members' accounts: no password hashes) and ``manifest.json``
  (tenant, time, row count per file). Columns a model names in `export_masked_fields` (the SSO
  client secret) are written as MASK: a credential has no place in a zip that is passed around.
  Streams rows in chunks; memory stays flat for big tenants.
* `tenant_delete(tenant=...)` deletes the rows of every tenant table, of any other table with a
  foreign key to the tenant, the accounts that belonged to this tenant only (not staff), then the
  tenant — one transaction, the tenant in scope so RLS lets the deletes through. Foreign keys
  are deferred to commit (Django creates them DEFERRABLE), so the order of tables does not matter.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import zipfile
from typing import IO, TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from spm.security.logging import MASK

from .db import tenant_atomic
from .models import TenantModel, tenant_models

if TYPE_CHECKING:
    from spm.models import Tenant

logger = logging.getLogger(__name__)
CHUNK = 2000
USER_COLUMNS = ("id", "username", "email", "first_name", "last_name", "is_active", "date_joined", "last_login")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _write_csv(archive: zipfile.ZipFile, name: str, header: list[str], rows) -> int:
    count = 0
    with archive.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        writer = csv.writer(text)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_value(v) for v in row])
            count += 1
    return count


def _masked(rows, columns: list[str], masked: tuple[str, ...]):
    """The rows with the values of `masked` columns replaced by MASK (an empty value stays empty)."""
    if not masked:
        return rows
    positions = [columns.index(name) for name in masked]
    return ([MASK if i in positions and v else v for i, v in enumerate(row)] for row in rows)


def export_tables() -> list[type[TenantModel]]:
    return sorted(tenant_models(), key=lambda m: m._meta.db_table)


def tenant_export(*, tenant: Tenant, out: IO[bytes]) -> dict[str, int]:
    """Write the zip of everything `tenant` owns to `out`; return {file name: row count}.

    Read-only; runs in one tenant transaction (a consistent snapshot on PostgreSQL: REPEATABLE
    READ is not needed for one-off exports, each table is read once).
    """
    counts: dict[str, int] = {}
    with tenant_atomic(tenant), zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for model in export_tables():
            columns = [f.attname for f in model._meta.concrete_fields]
            rows = model.all_tenants.filter(tenant=tenant).order_by("pk").values_list(*columns).iterator(CHUNK)
            rows = _masked(rows, columns, getattr(model, "export_masked_fields", ()))
            counts[f"{model._meta.db_table}.csv"] = _write_csv(archive, f"{model._meta.db_table}.csv", columns, rows)
        member_ids = _member_user_ids(tenant)
        users = get_user_model()._default_manager.filter(pk__in=member_ids).order_by("pk").values_list(*USER_COLUMNS)
        counts["users.csv"] = _write_csv(archive, "users.csv", list(USER_COLUMNS), users.iterator(CHUNK))
        manifest = {"tenant": {"slug": tenant.slug, "name": tenant.name, "base_currency": tenant.base_currency},
                    "exported_at": timezone.now().isoformat(), "files": counts}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    logger.info("tenant exported", extra={"tenant": tenant.slug, "rows": sum(counts.values())})
    return counts


def _member_user_ids(tenant: Tenant) -> list[int]:
    from spm.models import Membership

    return list(Membership.all_tenants.filter(tenant=tenant).values_list("user_id", flat=True))


def _other_tables_referencing_tenant() -> list[tuple[str, str]]:
    """(table, column) of non-TenantModel tables with a foreign key to spm.Tenant."""
    from spm.models import Tenant

    out = []
    for rel in Tenant._meta.related_objects:
        model = rel.related_model
        if rel.many_to_many or issubclass(model, TenantModel) or not model._meta.managed:
            continue
        out.append((model._meta.db_table, rel.field.column))
    return out


def tenant_delete(*, tenant: Tenant) -> dict[str, int]:
    """Delete `tenant` and everything it owns; return {table: rows deleted}.

    Accounts that were members of this tenant only (and are not staff) are deleted too, with their
    API tokens; accounts that belong to another tenant keep everything but this membership.
    Irreversible: the caller (a command asking for confirmation) exports first if wanted.
    """
    from spm.models import Membership, Tenant

    counts: dict[str, int] = {}
    quote = connection.ops.quote_name
    with transaction.atomic(), tenant_atomic(tenant):
        member_ids = set(_member_user_ids(tenant))
        # Members of another tenant: RLS hides other tenants' membership rows from this scope, so
        # ask with the user scope instead (the membership policy shows a user their own rows).
        elsewhere = set()
        if member_ids:
            elsewhere = set(
                Membership.all_tenants.filter(user_id__in=member_ids).exclude(tenant=tenant)
                .values_list("user_id", flat=True)
            ) if connection.vendor != "postgresql" else _members_elsewhere(member_ids, tenant)
        with connection.cursor() as cursor:
            for model in export_tables():
                table = model._meta.db_table
                cursor.execute(f"DELETE FROM {quote(table)} WHERE tenant_id = %s", [tenant.pk])
                counts[table] = cursor.rowcount
            for table, column in _other_tables_referencing_tenant():
                cursor.execute(f"DELETE FROM {quote(table)} WHERE {quote(column)} = %s", [tenant.pk])
                counts[table] = cursor.rowcount
        orphans = member_ids - elsewhere
        User = get_user_model()
        removed_users, _ = User._default_manager.filter(pk__in=orphans, is_staff=False, is_superuser=False).delete()
        counts["users (members of this tenant only)"] = removed_users
        Tenant.objects.filter(pk=tenant.pk).delete()
        counts[Tenant._meta.db_table] = 1
    logger.info("tenant deleted", extra={"tenant": tenant.slug, "rows": sum(counts.values())})
    return counts


def _members_elsewhere(user_ids: set[int], tenant: Tenant) -> set[int]:
    """On PostgreSQL: which of these users have a membership in another tenant (per-user RLS scope)."""
    from spm.models import Membership

    from .db import set_db_scope

    found = set()
    for user_id in user_ids:
        with transaction.atomic():
            set_db_scope(tenant_id=None, user_id=user_id)
            if Membership.all_tenants.filter(user_id=user_id).exclude(tenant=tenant).exists():
                found.add(user_id)
        set_db_scope(tenant_id=tenant.pk)  # the savepoint's set_config outlives it: restore the tenant
    return found
