"""CRM data in: the one path every import takes (commands, upload page, REST bulk upsert, webhook, demo).

read (pure) → clean (pure, every error collected) → load (bulk, one transaction, one audit record) →
then, outside that transaction, the Pay pillar recalculates the months whose won deals changed.

All-or-nothing per file: any error → nothing is written (not even the tenant, which is created only
once the file is known to be clean). The hub composes the pillars (it sits above all of them):
Plan resolves owners and accounts and loads sellers, Perform loads the deals and their history,
Pay is asked to recalculate.
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
from spm.imports import ImportReport, RawTable, RowError, read_csv
from spm.models import Tenant
from spm.services import tenant_create_or_update
from spm.tenancy.db import tenant_atomic

logger = logging.getLogger(__name__)

SELLERS = "sellers"
OPPORTUNITIES = "opportunities"
KINDS = (SELLERS, OPPORTUNITIES)


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
    with transaction.atomic():
        tenant = tenant or tenant_create_or_update(slug=tenant_slug, name=tenant_slug.replace("-", " ").title())
        with tenant_atomic(tenant):
            report = load_sellers(rows, actor=actor)
        if dry_run:
            transaction.set_rollback(True)
    return ImportOutcome(report=report, written=not dry_run, dry_run=dry_run, tenant=tenant)


def import_sellers_file(*, data: bytes, file: str, tenant_slug: str, encoding: str | None = None, **kwargs) -> ImportOutcome:
    table, errors = read_csv(data, file=file, encoding=encoding)
    if errors:
        return _failed(errors)
    return import_sellers(table=table, tenant_slug=tenant_slug, **kwargs)


# --- opportunities ------------------------------------------------------------------------------


def import_opportunities(
    *,
    table: RawTable,
    tenant_slug: str,
    as_of: dt.date | None = None,
    mapping: dict | None = None,
    dry_run: bool = False,
    actor=None,
    recalculate: bool = True,
    progress: Callable[[int, str], None] | None = None,
) -> ImportOutcome:
    """Upsert the deals of `table` into tenant `tenant_slug`, with history dated `as_of` (default today).

    Nothing is written when any row has an error. After the load commits, Pay recalculates the months
    (that already have statements) whose won deals changed, unless `recalculate` is false.
    """
    as_of = as_of or timezone.localdate()
    say = progress or (lambda pct, msg: None)
    tenant = _tenant(tenant_slug)
    owner_ids: dict[str, int] = {}
    if tenant is not None:
        with tenant_atomic(tenant):
            owner_ids = seller_ids_by_email()
    clean, errors = clean_opportunities(table, owner_ids=owner_ids,
                                        base_currency=tenant.base_currency if tenant else "USD", mapping=mapping)
    say(20, f"{len(table):,} rows checked")
    if errors:
        return _failed(errors, len(table))
    with transaction.atomic():
        tenant = tenant or tenant_create_or_update(slug=tenant_slug, name=tenant_slug.replace("-", " ").title())
        with tenant_atomic(tenant):
            accounts = account_ids_for_names(clean.values["account"])
            account_ids = [accounts.get(name) if name else None for name in clean.values["account"]]
            loaded = load_opportunities(clean, account_ids=account_ids, as_of=as_of, actor=actor, progress=say)
        if dry_run:
            transaction.set_rollback(True)
    outcome = ImportOutcome(report=loaded.report, written=not dry_run, dry_run=dry_run, tenant=tenant,
                            pay_months=sorted(loaded.pay_months))
    if not dry_run and recalculate and loaded.pay_months:
        outcome.recalculation = request_pay_recalculation(tenant=tenant, months=loaded.pay_months, actor=actor)
    say(100, "done")
    return outcome


def import_opportunities_file(*, data: bytes, file: str, tenant_slug: str, encoding: str | None = None,
                              **kwargs) -> ImportOutcome:
    table, errors = read_csv(data, file=file, encoding=encoding)
    if errors:
        return _failed(errors)
    return import_opportunities(table=table, tenant_slug=tenant_slug, **kwargs)


# --- Pay ----------------------------------------------------------------------------------------


def request_pay_recalculation(*, tenant: Tenant, months: set[str] | list[str], actor=None) -> str:
    """Ask Pay to recalculate the span of `months` that already has statements (a changed won deal
    makes them stale). Returns what happened, in words; a run already in progress is reported, not raised."""
    from compensation.models import Statement
    from compensation.services import calculation_request

    with tenant_atomic(tenant):
        calculated = set(Statement.objects.filter(period__in=list(months)).values_list("period", flat=True).distinct())
    if not calculated:
        return ""
    first, last = min(calculated), max(calculated)
    try:
        with tenant_atomic(tenant):
            run = calculation_request(period_from=first, period_through=last,
                                      requested_by=actor if getattr(actor, "pk", None) else None)
    except DomainError as exc:
        logger.info("import: recalculation not queued", extra={"tenant": tenant.slug, "reason": str(exc)})
        return f"won deals of {first}–{last} changed; recalculate them ({exc})"
    return f"recalculation of {first}–{last} queued (run {run.pk})"
