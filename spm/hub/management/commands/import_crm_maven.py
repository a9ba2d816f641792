"""`import_crm_maven --tenant globex [--dir …/shared/data/crm-maven] [--shift-years N] [--today DATE] [--encoding ENC]`.

A thin adapter onto the generic import path: the export is converted to the canonical columns in
memory, checked like any import (errors name the export's file, line and column; exit 1, nothing
written — no tenant either), and its history imported as weekly snapshots. A folder that holds no
export is an error.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spm.errors import DomainError
from spm.hub.importers.crm_maven import CrmExportError, default_data_dir, errors_text, import_crm_maven


class Command(BaseCommand):
    help = "Import the public Maven Analytics CRM export (sales teams, accounts, products, pipeline) as a tenant."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", default="globex")
        parser.add_argument("--name", default="Globex Corporation")
        parser.add_argument("--dir", type=Path, default=None, help="data directory (default: ../shared/data/crm-maven)")
        parser.add_argument("--shift-years", type=int, default=None,
                            help="shift every date by N years (default: latest close date lands in the current year)")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="reference date (default: today)")
        parser.add_argument("--encoding", default=None, help="the export's encoding (default UTF-8)")

    def handle(self, *args, **opts):
        data_dir = Path(opts["dir"] or default_data_dir())
        started = time.perf_counter()
        try:
            report = import_crm_maven(tenant_slug=opts["tenant"], tenant_name=opts["name"], data_dir=data_dir,
                                      shift_years=opts["shift_years"], today=opts["today"], encoding=opts["encoding"])
        except CrmExportError as exc:
            raise CommandError(f"{data_dir}: {len(exc.errors)} error(s); nothing was imported.\n"
                               + errors_text(exc.errors).rstrip()) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Imported {data_dir} into {report.tenant.slug} through the generic import path:")
        for note in report.notes:
            self.stdout.write(f"  - {note}")
        for what, n in report.counts.items():
            self.stdout.write(f"  {n:>6,}  {what}")
        self.stdout.write("  comp plans are created by `demo_setup` from spm.hub.importers.crm_maven.rep_plan_document()")
        self.stdout.write(self.style.SUCCESS(f"done in {time.perf_counter() - started:.1f}s"))
