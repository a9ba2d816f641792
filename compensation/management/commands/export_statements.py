"""python manage.py export_statements --tenant SLUG --period 2027-01 [--through …] [--format json|csv] [--output FILE]"""

import json

from django.core.management.base import BaseCommand, CommandError

from compensation.exports import statements_csv, statements_export
from spm.management.scope import tenant_command_scope


class Command(BaseCommand):
    help = "Export statements as the JSON list of DESIGN.md (default, to stdout) or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--period", required=True, help="first month, e.g. 2027-01")
        parser.add_argument("--through", default=None, help="last month (default: --period)")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", default=None, help="file to write (default: stdout)")

    def handle(self, *args, tenant, period, through, format, output, **options):
        with tenant_command_scope(tenant):
            rows = statements_export(period_from=period, period_through=through)
        text = json.dumps(rows, indent=2, ensure_ascii=False) + "\n" if format == "json" else statements_csv(rows)
        if output:
            try:
                with open(output, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror}") from None
            self.stderr.write(f"Wrote {len(rows)} statements to {output}")
        else:
            self.stdout.write(text, ending="")
