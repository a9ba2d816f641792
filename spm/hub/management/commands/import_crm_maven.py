"""`import_crm_maven --tenant globex [--dir …/shared/data/crm-maven] [--shift-years N]`."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from spm.hub.importers.crm_maven import default_data_dir, import_crm_maven
from spm.services import tenant_create_or_update


class Command(BaseCommand):
    help = "Import the public Maven Analytics CRM export (sales teams, accounts, products, pipeline) as a tenant."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", default="globex")
        parser.add_argument("--name", default="Globex Corporation")
        parser.add_argument("--dir", type=Path, default=None, help="data directory (default: ../shared/data/crm-maven)")
        parser.add_argument("--shift-years", type=int, default=None,
                            help="shift every date by N years (default: latest close date lands in the current year)")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="reference date (default: today)")

    def handle(self, *args, **opts):
        data_dir = opts["dir"] or default_data_dir()
        if not (data_dir / "sales_pipeline.csv").exists():
            self.stdout.write(self.style.WARNING(
                f"No CRM export at {data_dir}: generating a small synthetic company for {opts['tenant']} instead."))
            # By name, not by import: the generator lives in the compensation layer above this one.
            call_command("generate_demo", tenant=opts["tenant"], name=opts["name"], sellers=30, accounts=200,
                         opportunities=2000, seed=11, today=opts["today"], stdout=self.stdout)
            return
        tenant = tenant_create_or_update(slug=opts["tenant"], name=opts["name"])
        started = time.perf_counter()
        try:
            report = import_crm_maven(tenant=tenant, data_dir=data_dir, shift_years=opts["shift_years"],
                                      today=opts["today"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Imported {data_dir} into {tenant.slug}:")
        for note in report.notes:
            self.stdout.write(f"  - {note}")
        for what, n in report.counts.items():
            self.stdout.write(f"  {n:>6,}  {what}")
        self.stdout.write("  comp plans are created by `demo_setup` (compensation layer) from "
                          "spm.hub.importers.crm_maven.rep_plan_document()")
        self.stdout.write(self.style.SUCCESS(f"done in {time.perf_counter() - started:.1f}s"))
