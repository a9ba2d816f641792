"""This week's CRM export arriving through the Imports page, as RevOps uploads it every Monday.

acme's deals are generated, so its Imports page would otherwise be empty: here the demo's RevOps user
uploads the open pipeline as the CRM would export it this week (some deals moved a stage, some close
dates pushed, some amounts revised, a few new deals) through the same services as the upload page
(`import_job_create` → `import_job_start`). The first upload carries two bad rows (an amount typed
`12k`, an owner the tenant does not know): it fails whole, with its error report to download; the
corrected file then imports, with its history dated today. Only open deals change, so statements do not.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal

from performance.models import Opportunity, PipelineStage
from spm.hub.imports import import_job_create, import_job_start
from spm.models import Tenant
from spm.tenancy.db import tenant_atomic

HEADER = ["external_id", "account", "owner_email", "stage", "amount", "currency", "created_date", "close_date",
          "is_won", "is_closed"]


def _rows(tenant: Tenant, today: dt.date, rng: random.Random) -> list[dict[str, str]]:
    """The open pipeline in canonical columns, with this week's changes applied."""
    with tenant_atomic(tenant):
        deals = list(Opportunity.objects.filter(is_closed=False).select_related("owner", "account")
                     .order_by("external_id"))
        stages = list(PipelineStage.objects.filter(is_closed=False).order_by("position").values_list("name", flat=True))
    following = dict(zip(stages, stages[1:], strict=False))  # each open stage → the next one
    rows = []
    for d in deals:
        row = {"external_id": d.external_id, "account": d.account.name if d.account else "",
               "owner_email": d.owner.email, "stage": d.stage, "amount": str(d.amount), "currency": d.currency,
               "created_date": d.created_date.isoformat() if d.created_date else "",
               "close_date": d.close_date.isoformat() if d.close_date else "", "is_won": "false", "is_closed": "false"}
        roll = rng.random()
        if roll < 0.06 and d.stage in following:
            row["stage"] = following[d.stage]
        elif roll < 0.10 and d.close_date:
            row["close_date"] = max(d.close_date + dt.timedelta(days=30), today + dt.timedelta(days=7)).isoformat()
        elif roll < 0.13:
            revised = (d.amount * Decimal(rng.choice(["0.85", "0.9", "1.1", "1.2"]))).quantize(Decimal("100"))
            row["amount"] = f"{revised:.2f}"
        rows.append(row)
    owners = sorted({r["owner_email"] for r in rows})
    accounts = sorted({r["account"] for r in rows if r["account"]})
    for i in range(12):
        rows.append({"external_id": f"CRM-{today:%G-W%V}-{i + 1:02d}", "account": rng.choice(accounts),
                     "owner_email": rng.choice(owners), "stage": stages[0],
                     "amount": f"{rng.randrange(8_000, 90_000, 500)}.00", "currency": tenant.base_currency,
                     "created_date": (today - dt.timedelta(days=rng.randint(0, 4))).isoformat(),
                     "close_date": (today + dt.timedelta(days=rng.randint(45, 150))).isoformat(),
                     "is_won": "false", "is_closed": "false"})
    return rows


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _upload(tenant: Tenant, *, name: str, data: bytes, today: dt.date, actor):
    with tenant_atomic(tenant):
        job = import_job_create(kind="opportunities", file_name=name, data=data, actor=actor)
        return import_job_start(job=job, mapping=job.mapping, as_of=today, actor=actor)


def weekly_import_demo(*, tenant: Tenant, today: dt.date, actor) -> str:
    rows = _rows(tenant, today, random.Random(48))
    if not rows:
        return "weekly import: no open deal to export"
    name = f"crm-opportunities-{today:%Y-%m-%d}.csv"
    bad = [dict(r) for r in rows]
    bad[3]["amount"] = "12k"
    bad[len(bad) // 2]["owner_email"] = "j.doe@" + bad[len(bad) // 2]["owner_email"].split("@", 1)[1]
    failed = _upload(tenant, name=name, data=_csv(bad), today=today, actor=actor)
    done = _upload(tenant, name=name.replace(".csv", "-fixed.csv"), data=_csv(rows), today=today, actor=actor)
    report = done.report
    return (f"weekly import: first upload {failed.status} ({failed.report.get('error_count', 0)} errors), "
            f"corrected upload {done.status}: {report.get('created', 0)} created, {report.get('updated', 0)} updated, "
            f"{report.get('unchanged', 0)} unchanged")
