"""Activities (meetings, calls, e-mails) from any CRM: canonical columns
`external_id,owner_email,kind,date` (optional `subject,opportunity_external_id`), upserted on external_id.

read (`spm.imports.read_csv`) → clean (`clean_activities`, pure: the column table plus the row rules: one
row per id, a known owner, a date not after the import day, the deal — when named — known and owned by
the row's owner) → load (`load_activities`: bulk, in the caller's transaction, one audit record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from performance.activities.models import Activity
from spm.audit import audit_record
from spm.db.bulk import bulk_insert, bulk_update
from spm.imports import Column, ImportReport, RawTable, RowError, clean_table
from spm.imports.table import parse_choice, parse_date, parse_email, parse_text
from spm.tenancy.context import current_tenant

KINDS = {
    "meeting": "meeting", "meeting held": "meeting", "demo": "meeting", "discovery call": "meeting",
    "call": "call", "phone call": "call", "phone": "call",
    "email": "email", "e-mail": "email", "mail": "email",
}

ACTIVITY_COLUMNS = [
    Column("external_id", parse_text(100), aliases=("activity_id", "id", "activityid")),
    Column("owner_email", parse_email, aliases=("owner", "assigned_to", "sales_agent_email", "user_email")),
    Column("kind", parse_choice(KINDS, "activity kind"), blank="meeting", aliases=("type", "activity_type")),
    Column("date", parse_date, aliases=("occurred_on", "activity_date", "meeting_date")),
    Column("subject", parse_text(200), required=False, blank="", aliases=("title", "description")),
    Column("opportunity_external_id", parse_text(100), required=False, blank=None,
           aliases=("opportunity_id", "deal_id", "opportunity")),
]

#: Compared (and written) per activity, in the order of the rows `clean_activities` returns.
FIELDS = ("owner_id", "kind", "occurred_on", "subject", "opportunity_id")


@dataclass
class ActivityRows:
    file: str
    external_ids: list[str]
    values: list[tuple]  # FIELDS order
    lines: list[int]

    def __len__(self) -> int:
        return len(self.external_ids)


def clean_activities(table: RawTable, *, owner_ids: dict[str, int], deals: dict[str, tuple[int, int]],
                     today: dt.date, mapping: dict | None = None) -> tuple[ActivityRows, list[RowError]]:
    """Parse and check `table`. `owner_ids` is {e-mail: seller id}; `deals` {external id: (deal id, owner id)}."""
    clean, errors = clean_table(table, ACTIVITY_COLUMNS, mapping=mapping)
    v = clean.values
    rows = ActivityRows(file=table.file, external_ids=[], values=[], lines=[])
    first_line: dict[str, int] = {}

    def error(line, column, value, message):
        errors.append(RowError(line=line, column=column, value=str(value), file=table.file, message=message))

    for i, line in enumerate(clean.lines):
        ext, email, occurred, deal_ext = v["external_id"][i], v["owner_email"][i], v["date"][i], v["opportunity_external_id"][i]
        if ext is not None:
            if ext in first_line:
                error(line, "external_id", ext, f"external id appears twice in the file (first on line {first_line[ext]})")
            else:
                first_line[ext] = line
        owner = owner_ids.get(email) if email is not None else None
        if email is not None and owner is None:
            error(line, "owner_email", email, "no seller of this workspace has this e-mail (import the sellers first)")
        if occurred is not None and occurred > today:
            error(line, "date", occurred.isoformat(), f"an activity is recorded once it happened: after {today.isoformat()}")
        deal_id = None
        if deal_ext is not None:
            deal = deals.get(deal_ext)
            if deal is None:
                error(line, "opportunity_external_id", deal_ext, "no deal of this workspace has this external id")
            elif owner is not None and deal[1] != owner:
                error(line, "opportunity_external_id", deal_ext, "the deal is owned by another seller")
            else:
                deal_id = deal[0]
        rows.external_ids.append(ext)
        rows.values.append((owner, v["kind"][i], occurred, v["subject"][i], deal_id))
        rows.lines.append(line)
    return rows, errors


def load_activities(rows: ActivityRows, *, actor=None) -> ImportReport:
    """Upsert the clean rows on external id (tenant in scope; caller holds the transaction)."""
    report = ImportReport(rows=len(rows))
    stored = {ext: (pk, tuple(rest)) for ext, pk, *rest in Activity.objects.filter(
        external_id__in=rows.external_ids).values_list("external_id", "id", *FIELDS)}
    now = timezone.now()
    new, changed = [], []
    for ext, values in zip(rows.external_ids, rows.values, strict=True):
        hit = stored.get(ext)
        if hit is None:
            new.append((ext, *values, now, getattr(actor, "pk", None)))
        elif hit[1] != values:
            changed.append((hit[0], *values))
        else:
            report.unchanged += 1
    tenant = current_tenant()
    if new:
        report.created = bulk_insert(Activity, ("external_id", *FIELDS, "created_at", "created_by_id"), new,
                                     tenant_id=tenant.pk)
    if changed:
        bulk_update(Activity, FIELDS, changed)
        report.updated = len(changed)
    audit_record(actor=actor, action="import.activities", instance=tenant,
                 after={"rows": report.rows, "created": report.created, "updated": report.updated,
                        "unchanged": report.unchanged, "file": rows.file})
    return report
