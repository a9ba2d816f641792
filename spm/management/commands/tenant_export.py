"""python manage.py tenant_export --tenant SLUG [--output FILE.zip]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spm.models import Tenant
from spm.tenancy.lifecycle import tenant_export


class Command(BaseCommand):
    help = "Write everything a tenant owns as a zip of CSV files (one per table, users, manifest)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--output", type=Path, default=None, help="zip file (default: <slug>-export.zip)")

    def handle(self, *args, tenant, output, **options):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"No tenant with slug {tenant!r}.")
        output = Path(output or f"{tenant}-export.zip")
        with output.open("wb") as out:
            counts = tenant_export(tenant=tenant_obj, out=out)
        self.stdout.write(f"Wrote {output}: {len(counts)} files, {sum(counts.values()):,} rows")
