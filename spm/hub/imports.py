"""CRM data in: the one path every import takes (commands, upload page, REST bulk upsert, webhook, demo).

read (pure) → clean (pure, every error collected) → load (bulk, one transaction, one audit record).
The load records the sellers' months whose won deals changed in the kernel's change feed; Pay's
subscriber recalculates them once that transaction commits (exactly one request per import: nothing
here asks again). The outcome says so in words.

All-or-nothing per file: any error → nothing is written (not even the tenant, which is created only
once the file is known to be clean). The hub composes the pillars (it sits above all of them):
Plan resolves owners and accounts and loads sellers, Perform loads the deals and their history,
Pay recalculates through the change feed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from performance.importers.opportunities import clean_opportunities, load_opportunities
from planning.importers.accounts import account_ids_for_names
from planning.importers.sellers import clean_sellers, existing_managers, load_sellers
from planning.models import Seller
from spm.errors import DomainError
from spm.imports import ImportReport, RawTable, RowError, load_guard, read_csv
from spm.models import Tenant
from spm.selectors import fx_first_dates
from spm.services import tenant_create_or_update
from spm.tenancy.context import current_tenant
from spm.tenancy.db import tenant_atomic

logger = logging.getLogger(__name__)

SELLERS = "sellers"
OPPORTUNITIES = "opportunities"
ACTIVITIES = "activities"
KINDS = (SELLERS, OPPORTUNITIES, ACTIVITIES)


@dataclass
class ImportOutcome:
    """The report (counts, the first 100 errors, error_count), every error (for the error file),
    whether anything was written, and what Pay was asked to do."""

    report: ImportReport
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    tenant: Tenant | None = None
    recalculation: str = ""
    pay_months: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        """What the commands print and the API answers: the report plus `error_count`, the full number
        of errors (`errors` lists the first 100)."""
        return {**self.report.as_dict(), "error_count": self.report.error_count}


def _failed(errors: list[RowError], rows: int = 0) -> ImportOutcome:
    report = ImportReport(rows=rows)
    for error in errors:
        report.add_error(error)
    return ImportOutcome(report=report, errors=errors)


def _tenant(slug: str) -> Tenant | None:
    return Tenant.objects.filter(slug=slug).first()


def seller_ids_by_email() -> dict[str, int]:
    """{lower-case e-mail: seller id} of the tenant in scope (one query)."""
    return {email.lower(): pk for pk, email in Seller.objects.exclude(email="").values_list("id", "email")}


def _load(*, file: str, tenant: Tenant | None, tenant_slug: str, dry_run: bool, load: Callable[[], object]):
    """The one write of every import: `load()` in the tenant's scope, in one transaction (the tenant is
    created here when absent, so a refused file leaves none behind), rolled back for a dry run; a
    database failure is said in words naming `file`. Returns the tenant and what `load` returned."""
    with load_guard(file), transaction.atomic():
        tenant = tenant or tenant_create_or_update(slug=tenant_slug, name=tenant_slug.replace("-", " ").title())
        with tenant_atomic(tenant):
            result = load()
        if dry_run:
            transaction.set_rollback(True)
    return tenant, result


def _from_file(importer, *, data: bytes, file: str, tenant_slug: str, encoding: str | None = None,
               **kwargs) -> ImportOutcome:
    """`importer` over the CSV bytes of `file` (an unreadable file is its own error report)."""
    table, errors = read_csv(data, file=file, encoding=encoding)
    if errors:
        return _failed(errors)
    return importer(table=table, tenant_slug=tenant_slug, **kwargs)


# --- sellers ------------------------------------------------------------------------------------


def import_sellers(*, table: RawTable, tenant_slug: str, mapping: dict | None = None, dry_run: bool = False,
                   actor=None) -> ImportOutcome:
    """Upsert the sellers of `table` into tenant `tenant_slug` (created when absent, once the file is clean)."""
    tenant = _tenant(tenant_slug)
    managers: dict[str, str | None] = {}
    if tenant is not None:
        with tenant_atomic(tenant):
            managers = existing_managers()
    rows, errors = clean_sellers(table, existing_managers=managers, mapping=mapping)
    if errors:
        return _failed(errors, len(table))
    tenant, report = _load(file=table.file, tenant=tenant, tenant_slug=tenant_slug, dry_run=dry_run,
                           load=lambda: load_sellers(rows, actor=actor))
    return ImportOutcome(report=report, written=not dry_run, dry_run=dry_run, tenant=tenant)


def import_sellers_file(**kwargs) -> ImportOutcome:
    return _from_file(import_sellers, **kwargs)


# --- opportunities ------------------------------------------------------------------------------


def import_opportunities(
    *,
    table: RawTable,
    tenant_slug: str,
    as_of: dt.date | None = None,
    mapping: dict | None = None,
    dry_run: bool = False,
    actor=None,
    progress: Callable[[int, str], None] | None = None,
) -> ImportOutcome:
    """Upsert the deals of `table` into tenant `tenant_slug`, with history dated `as_of` (default today).

    Nothing is written when any row has an error. When the load commits, the change feed has Pay
    recalculate the months whose won deals changed; `recalculation` says which (blank: none calculated).
    """
    as_of = as_of or timezone.localdate()
    say = progress or (lambda pct, msg: None)
    tenant = _tenant(tenant_slug)
    owner_ids: dict[str, int] = {}
    fx_from: dict[str, dt.date] = {}
    if tenant is not None:
        with tenant_atomic(tenant):
            owner_ids = seller_ids_by_email()
            fx_from = fx_first_dates()
    clean, errors = clean_opportunities(table, owner_ids=owner_ids,
                                        base_currency=tenant.base_currency if tenant else "USD", mapping=mapping,
                                        fx_from=fx_from)
    say(20, f"{len(table):,} rows checked")
    if errors:
        return _failed(errors, len(table))
    def load():
        accounts = account_ids_for_names(clean.values["account"])
        account_ids = [accounts.get(name) if name else None for name in clean.values["account"]]
        return load_opportunities(clean, account_ids=account_ids, as_of=as_of, actor=actor, progress=say)

    tenant, loaded = _load(file=table.file, tenant=tenant, tenant_slug=tenant_slug, dry_run=dry_run, load=load)
    outcome = ImportOutcome(report=loaded.report, written=not dry_run, dry_run=dry_run, tenant=tenant,
                            pay_months=sorted(loaded.pay_months))
    if not dry_run and loaded.pay_months:
        outcome.recalculation = pay_recalculation_note(tenant=tenant, months=loaded.pay_months)
    say(100, "done")
    return outcome


def import_opportunities_file(**kwargs) -> ImportOutcome:
    return _from_file(import_opportunities, **kwargs)


# --- activities (meetings, calls, e-mails) ------------------------------------------------------


def import_activities(*, table: RawTable, tenant_slug: str, mapping: dict | None = None, dry_run: bool = False,
                      actor=None) -> ImportOutcome:
    """Upsert the activities of `table` on external id. Owners (and deals, when named) must already be
    in the workspace, so an unknown workspace is refused rather than created empty."""
    from performance.importers.activities import clean_activities, load_activities
    from performance.selectors import deal_owners_by_external_id

    tenant = _tenant(tenant_slug)
    if tenant is None:
        return _failed([RowError(line=1, column="", value=tenant_slug, file=table.file,
                                 message="no such workspace: import its sellers (and deals) first")], len(table))
    with tenant_atomic(tenant):
        owner_ids = seller_ids_by_email()
        deals = deal_owners_by_external_id()
    rows, errors = clean_activities(table, owner_ids=owner_ids, deals=deals, today=timezone.localdate(), mapping=mapping)
    if errors:
        return _failed(errors, len(table))
    tenant, report = _load(file=table.file, tenant=tenant, tenant_slug=tenant_slug, dry_run=dry_run,
                           load=lambda: load_activities(rows, actor=actor))
    return ImportOutcome(report=report, written=not dry_run, dry_run=dry_run, tenant=tenant)


def import_activities_file(**kwargs) -> ImportOutcome:
    return _from_file(import_activities, **kwargs)


# --- Pay ----------------------------------------------------------------------------------------


def pay_recalculation_note(*, tenant: Tenant, months: set[str] | list[str]) -> str:
    """What the change feed has Pay do about `months` (whose won deals changed), in words. Asks nothing
    itself: Pay's subscriber already queued the one recalculation when the load committed. Blank when
    none of those months has statements (nothing to recalculate)."""
    from compensation.models import CalculationRun, Statement

    with tenant_atomic(tenant):
        calculated = set(Statement.objects.filter(period__in=list(months)).values_list("period", flat=True).distinct())
        engine_ran = CalculationRun.objects.filter(status=CalculationRun.Status.SUCCEEDED).exists()
    if not calculated:
        return ""
    first, last = min(calculated), max(calculated)
    if not engine_ran:  # statements made another way are not the engine's to rewrite (recalculation.py)
        return f"won deals of {first}–{last} changed; calculate them to update the statements"
    return f"recalculation of {first}–{last} queued"


# --- the browser: import jobs with a column mapping, run at once or by a Celery task ---------------

#: Files up to this many rows import during the request; larger ones go to a Celery task with progress.
SYNC_ROWS = 5000


def columns_for(kind: str):
    """The canonical column table of `kind` (owners are resolved later; here only names matter)."""
    from performance.importers.activities import ACTIVITY_COLUMNS
    from performance.importers.opportunities import opportunity_columns
    from planning.importers.sellers import SELLER_COLUMNS

    if kind == SELLERS:
        return SELLER_COLUMNS
    if kind == OPPORTUNITIES:
        return opportunity_columns(owner_ids={}, base_currency="USD")
    if kind == ACTIVITIES:
        return ACTIVITY_COLUMNS
    raise DomainError(f"kind: unknown import kind {kind!r} (sellers, opportunities or activities)", field="kind")


def import_job_create(*, kind: str, file_name: str, data: bytes, encoding: str = "", actor=None):
    """Keep an uploaded file as an import job awaiting its column mapping (guessed from the headers,
    or the tenant's saved mapping for this kind where its headers are in the file)."""
    from performance.models import ImportJob, ImportMapping
    from spm.imports import guess_mapping

    columns = columns_for(kind)
    table, errors = read_csv(data, file=file_name, encoding=encoding or None)
    job = ImportJob(kind=kind, file_name=file_name[:200], data=data, encoding=encoding,
                    requested_by=actor if getattr(actor, "pk", None) else None)
    if errors:
        job.status, job.message = ImportJob.Status.FAILED, "The file could not be read."
        _store_outcome(job, _failed(errors))
        job.data = b""
    else:
        job.header, job.row_count = table.header, len(table)
        saved = ImportMapping.objects.filter(kind=kind).values_list("mapping", flat=True).first() or {}
        guessed = guess_mapping(table.header, columns)
        job.mapping = {**guessed, **{k: v for k, v in saved.items() if v in table.header}}
    job.save()
    return job


def import_job_start(*, job, mapping: dict[str, str], as_of: dt.date | None = None, dry_run: bool = False, actor=None):
    """Save the tenant's mapping for this kind and import: at once for small files, else queue the task."""
    from performance.models import ImportJob, ImportMapping

    if job.status != ImportJob.Status.MAPPING:
        raise DomainError("This import has already been started.", code="conflict")
    columns = columns_for(job.kind)
    mapping = {k: v for k, v in mapping.items() if v}
    unknown = sorted(v for v in mapping.values() if v not in job.header)
    if unknown:
        raise DomainError(f"mapping: {', '.join(unknown)} is not a column of the file", field="mapping")
    missing = [c.name for c in columns if c.required and c.name not in mapping]
    if missing:
        raise DomainError(f"mapping: choose the file's column for {', '.join(missing)}", field="mapping")
    ImportMapping.objects.update_or_create(kind=job.kind, defaults={"mapping": mapping},
                                           create_defaults={"mapping": mapping, "tenant": job.tenant})
    job.mapping, job.as_of, job.dry_run = mapping, as_of, dry_run
    job.status, job.progress, job.message = ImportJob.Status.QUEUED, 5, "Queued"
    job.save(update_fields=["mapping", "as_of", "dry_run", "status", "progress", "message"])
    if job.row_count <= SYNC_ROWS:
        return import_job_execute(job_id=job.pk)
    from spm.hub.tasks import import_job_run

    tenant_id = job.tenant_id
    transaction.on_commit(lambda: import_job_run.delay(tenant_id=tenant_id, job_id=job.pk))
    return job


def import_job_resend_queued(*, older_than: dt.timedelta) -> list[int]:
    """Send again the import jobs of the tenant in scope still `queued` after `older_than` (message lost).

    Safe to deliver twice: import_job_execute runs a job only while it is queued, under a row lock.
    Jobs keep only their upload time, so the age counts from the upload (an early re-send is a no-op)."""
    from performance.models import ImportJob
    from spm.hub.tasks import import_job_run

    tenant = current_tenant()
    ids = list(ImportJob.objects.filter(status=ImportJob.Status.QUEUED, created_at__lt=timezone.now() - older_than)
               .values_list("pk", flat=True))
    for job_id in ids:
        transaction.on_commit(lambda job_id=job_id: import_job_run.delay(tenant_id=tenant.pk, job_id=job_id))
    if ids:
        logger.warning("import jobs re-sent to the queue", extra={"tenant_id": tenant.pk, "job_ids": ids})
    return ids


def _job_failed(job, exc: Exception):
    """Mark job failed after its load raised (the load's transaction rolled back: nothing was written)."""
    from performance.models import ImportJob

    if isinstance(exc, DomainError):
        message = exc.message
    else:
        logger.exception("import job failed", extra={"job_id": job.pk})
        message = "The import failed unexpectedly, so nothing was imported; the error was logged for the operators."
    with tenant_atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=message[:300], progress=100, finished_at=timezone.now(),
            report={"rows": job.row_count, "created": 0, "updated": 0, "unchanged": 0, "errors": [], "error_count": 0})
        return ImportJob.objects.get(pk=job.pk)


def _store_outcome(job, outcome: ImportOutcome) -> None:
    from spm.imports import errors_csv

    job.report = outcome.as_dict()
    job.errors_csv = errors_csv(outcome.errors) if outcome.errors else ""


def import_job_execute(*, job_id: int):
    """The import of job `job_id` (the task body, or inline for small files). Idempotent: a job that
    is not queued is returned as it is."""
    from performance.models import ImportJob

    with tenant_atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.QUEUED:
            return job
        job.status, job.progress, job.message = ImportJob.Status.RUNNING, 10, "Reading the file"
        job.save(update_fields=["status", "progress", "message"])

    def progress(pct: int, message: str) -> None:
        if not transaction.get_connection().in_atomic_block:  # inside the load nothing could be seen
            with tenant_atomic():
                ImportJob.objects.filter(pk=job_id).update(progress=max(10, min(pct, 99)), message=message[:300])

    slug = job.tenant.slug
    kwargs = {"data": bytes(job.data), "file": job.file_name, "tenant_slug": slug, "encoding": job.encoding or None,
              "mapping": job.mapping, "dry_run": job.dry_run, "actor": job.requested_by}
    try:
        if job.kind == OPPORTUNITIES:
            outcome = import_opportunities_file(as_of=job.as_of, progress=progress, **kwargs)
        elif job.kind == ACTIVITIES:
            outcome = import_activities_file(**kwargs)
        else:
            outcome = import_sellers_file(**kwargs)
    except Exception as exc:  # noqa: BLE001 - the load rolled back; the job must say so, never stay "running"
        return _job_failed(job, exc)
    with tenant_atomic():
        _store_outcome(job, outcome)
        r = outcome.report
        if outcome.errors:
            job.status, job.message = ImportJob.Status.FAILED, f"{r.error_count:,} error{'' if r.error_count == 1 else 's'}: nothing was imported."
        else:
            verb = "Checked (dry run, nothing written)" if outcome.dry_run else "Imported"
            job.status = ImportJob.Status.SUCCEEDED
            job.message = (f"{verb}: {r.rows:,} rows — {r.created:,} created, {r.updated:,} updated, "
                           f"{r.unchanged:,} unchanged." + (f" Pay: {outcome.recalculation}" if outcome.recalculation else ""))
        job.progress, job.finished_at, job.data = 100, timezone.now(), b""
        job.save()
    return job


# --- rows from the API or a webhook ---------------------------------------------------------------


def table_from_records(records, *, file: str) -> tuple[RawTable | None, list[RowError]]:
    """JSON records ([{column: value}]) as a RawTable: the header is every key seen, values become text
    (numbers as written, true/false, null → blank); a record that is not an object is an error."""
    if not isinstance(records, list):
        return None, [RowError(line=1, column="rows", value=type(records).__name__, file=file,
                               message="rows must be a list of objects")]
    header: dict[str, None] = {}
    errors = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            errors.append(RowError(line=i + 2, column="", value=str(rec)[:50], file=file, message="not an object"))
            continue
        for key in rec:
            header.setdefault(str(key), None)
    if errors:
        return None, errors
    names = list(header)

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    rows = [[text(rec.get(name)) for name in names] for rec in records]
    return RawTable(file=file, header=names, rows=rows, lines=list(range(2, len(rows) + 2))), []


def import_records(*, kind: str, records, tenant_slug: str, file: str, as_of: dt.date | None = None,
                   dry_run: bool = False, actor=None) -> ImportOutcome:
    """Upsert JSON records through the same path as a file (row n is "line" n + 1, as if under a header)."""
    columns = columns_for(kind)
    table, errors = table_from_records(records, file=file)
    if errors:
        return _failed(errors)
    if not table.rows:  # no header line in JSON: an empty push lacks no column, it has nothing to do
        table = RawTable(file=file, header=[c.name for c in columns], rows=[], lines=[])
    if kind == SELLERS:
        return import_sellers(table=table, tenant_slug=tenant_slug, dry_run=dry_run, actor=actor)
    if kind == ACTIVITIES:
        return import_activities(table=table, tenant_slug=tenant_slug, dry_run=dry_run, actor=actor)
    return import_opportunities(table=table, tenant_slug=tenant_slug, as_of=as_of, dry_run=dry_run, actor=actor)
