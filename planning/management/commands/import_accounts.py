"""python manage.py import_accounts FILE --tenant SLUG [--format json|text]"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from planning.territories.importer import accounts_import
from spm.management.scope import tenant_command_scope


class Command(BaseCommand):
    help = ("Upsert accounts from a CSV file (columns external_id,name,industry,country,region,employees,"
            "annual_revenue,latitude,longitude,potential; extra columns ignored). Any error: nothing is written.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, file, tenant, format, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        with tenant_command_scope(tenant):
            report = accounts_import(data=data, source=Path(file).name)
        if format == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(f"{file}: {report.rows} rows, {report.created} created, {report.updated} updated, "
                              f"{report.unchanged} unchanged")
            for error in report.errors:
                self.stdout.write(f"  line {error.line}, column {error.column!r}, value {error.value!r}: {error.message}")
        if not report.ok:
            raise CommandError(f"{file}: {report.error_count} error(s); nothing was written.")
