"""Sellers from any CRM or HR file: canonical columns `email,name,role,manager_email,region,team`
(optional `hire_date,segment`), upserted on e-mail.

read (`spm.imports.read_csv`) → clean (`clean_sellers`, pure: the column table plus the row rules:
one row per e-mail, managers known — in the file, before or after their reports, or already in the
tenant — and no cycle) → load (`load_sellers`: bulk, in the caller's transaction, one audit record).
"""

from __future__ import annotations

from dataclasses import dataclass

from planning.models import Seller
from spm.audit import audit_record
from spm.db.bulk import bulk_insert
from spm.imports import CleanTable, Column, ImportReport, RawTable, RowError, clean_table
from spm.imports.table import parse_choice, parse_date, parse_email, parse_text
from spm.tenancy.context import current_tenant

ROLES = {
    "rep": "AE", "sales rep": "AE", "ae": "AE", "account executive": "AE", "seller": "AE", "sales": "AE",
    "sdr": "SDR", "bdr": "SDR", "sales development rep": "SDR",
    "csm": "CSM", "customer success manager": "CSM", "account manager": "CSM",
    "manager": "manager", "sales manager": "manager", "mgr": "manager", "director": "manager", "vp": "manager",
    "head of sales": "manager",
}

SELLER_COLUMNS = [
    Column("email", parse_email, aliases=("e-mail", "seller_email", "user_email", "mail")),
    Column("name", parse_text(200), aliases=("full_name", "seller", "seller_name")),
    Column("role", parse_choice(ROLES, "role"), blank="AE", aliases=("role_type", "title", "position")),
    Column("manager_email", parse_email, blank=None, aliases=("manager", "reports_to", "manager_e_mail")),
    Column("region", parse_text(50), blank="", aliases=("territory", "office", "regional_office")),
    Column("team", parse_text(100), blank="", aliases=("team_name", "group")),
    Column("hire_date", parse_date, required=False, blank=None, aliases=("start_date", "hired")),
    Column("segment", parse_text(50), required=False, blank="", aliases=()),
]

#: Fields compared (and written) per seller, in the order of the rows `clean_sellers` returns.
FIELDS = ("name", "role_type", "region", "team", "hire_date", "segment")


@dataclass
class SellerRows:
    """Clean sellers: per row the e-mail, the field values (FIELDS order), the manager's e-mail and line."""

    file: str
    emails: list[str]
    values: list[tuple]
    managers: list[str | None]
    lines: list[int]
    present: set[str]

    def __len__(self) -> int:
        return len(self.emails)


def clean_sellers(table: RawTable, *, existing_managers: dict[str, str | None], mapping: dict | None = None,
                  ) -> tuple[SellerRows, list[RowError]]:
    """Parse and check `table`. `existing_managers` is {e-mail: manager e-mail or None} of the tenant's
    sellers today (plain data from the caller; empty for a new tenant)."""
    clean: CleanTable
    clean, errors = clean_table(table, SELLER_COLUMNS, mapping=mapping)
    v = clean.values
    def raw(r: int, column: str) -> str:  # the cell as written (`ANN@x.com`), not as parsed
        return table.cell(r, column, mapping)

    first_line: dict[str, int] = {}
    for r, (email, line) in enumerate(zip(v["email"], clean.lines, strict=True)):
        if email is None:
            continue
        if email in first_line:
            errors.append(RowError(line=line, column="email", value=raw(r, "email"), file=table.file,
                                   message=f"e-mail appears twice in the file (first on line {first_line[email]})"))
        else:
            first_line[email] = line
    final = dict(existing_managers)
    final.update({e: m for e, m in zip(v["email"], v["manager_email"], strict=True) if e is not None})
    for r, (email, manager, line) in enumerate(zip(v["email"], v["manager_email"], clean.lines, strict=True)):
        if email is None or manager is None:
            continue
        if manager == email:
            errors.append(RowError(line=line, column="manager_email", value=raw(r, "manager_email"), file=table.file,
                                   message="a seller cannot manage themselves"))
        elif manager not in final:
            errors.append(RowError(line=line, column="manager_email", value=raw(r, "manager_email"), file=table.file,
                                   message="unknown manager: no seller with this e-mail in the file or the tenant"))
        else:
            seen, node = {email}, manager
            while node is not None and node in final:
                if node in seen:
                    errors.append(RowError(line=line, column="manager_email", value=raw(r, "manager_email"),
                                           file=table.file,
                                           message="the reporting line would loop back to this seller"))
                    break
                seen.add(node)
                node = final.get(node)
    errors.sort(key=lambda e: (e.line, e.column))  # the report lists the first 100 in file order
    rows = SellerRows(
        file=table.file, emails=v["email"], managers=v["manager_email"], lines=clean.lines, present=clean.present,
        values=list(zip(v["name"], v["role"], v["region"], v["team"], v["hire_date"], v["segment"], strict=True)),
    )
    return rows, errors


def existing_managers() -> dict[str, str | None]:
    """{e-mail: manager's e-mail} of the tenant's sellers that have an e-mail (one query)."""
    rows = list(Seller.objects.exclude(email="").values_list("id", "email", "manager_id"))
    email_of = {pk: email.lower() for pk, email, _ in rows}
    return {email.lower(): email_of.get(manager) for _, email, manager in rows}


def load_sellers(rows: SellerRows, *, actor=None, report: ImportReport | None = None) -> ImportReport:
    """Upsert `rows` (clean, no errors) on e-mail in the caller's tenant transaction; one audit record.

    Optional columns absent from the file keep the stored values. New sellers get their e-mail as
    external id. Returns the counts.
    """
    report = report or ImportReport()
    tenant = current_tenant()
    skip = {i for i, f in enumerate(FIELDS) if f in ("hire_date", "segment") and f not in rows.present}
    stored = {
        email.lower(): (pk, (name, role, region, team, hire, segment), manager)
        for pk, email, name, role, region, team, hire, segment, manager in Seller.objects.exclude(email="").values_list(
            "id", "email", "name", "role_type", "region", "team", "hire_date", "segment", "manager_id")
    }
    taken = set(Seller.objects.values_list("external_id", flat=True))
    new = [(e, vals) for e, vals in zip(rows.emails, rows.values, strict=True) if e not in stored]
    new_rows = []
    for email, vals in new:
        ext = email[:64]
        n = 1
        while ext in taken:
            n += 1
            ext = f"{email[:60]}#{n}"
        taken.add(ext)
        new_rows.append((ext, email, *vals))
    if new_rows:
        bulk_insert(Seller, ["external_id", "email", *FIELDS], new_rows, tenant_id=tenant.pk)
    ids = {email.lower(): pk for pk, email in Seller.objects.exclude(email="").values_list("id", "email")}
    changed: list[Seller] = []
    created = updated = 0
    for email, vals, manager in zip(rows.emails, rows.values, rows.managers, strict=True):
        manager_id = ids[manager] if manager else None
        old = stored.get(email)
        if old is None:
            created += 1
            if manager_id is not None:
                changed.append(Seller(pk=ids[email], manager_id=manager_id))
            continue
        pk, old_vals, old_manager = old
        merged = tuple(old_vals[i] if i in skip else vals[i] for i in range(len(FIELDS)))
        if merged != old_vals or manager_id != old_manager:
            updated += 1
            changed.append(Seller(pk=pk, manager_id=manager_id, **dict(zip(FIELDS, merged, strict=True))))
    if changed:
        fields = ["manager_id", *FIELDS] if any(s.name for s in changed) else ["manager_id"]
        by_kind = {True: [s for s in changed if s.name], False: [s for s in changed if not s.name]}
        if by_kind[True]:
            Seller.all_tenants.bulk_update(by_kind[True], fields, batch_size=1000)
        if by_kind[False]:
            Seller.all_tenants.bulk_update(by_kind[False], ["manager_id"], batch_size=1000)
    report.rows = len(rows)
    report.created, report.updated = created, updated
    report.unchanged = len(rows) - created - updated
    audit_record(actor=actor, action="import.sellers", instance=tenant,
                 after={"file": rows.file, "rows": report.rows, "created": report.created,
                        "updated": report.updated, "unchanged": report.unchanged})
    return report
