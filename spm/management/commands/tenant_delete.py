"""python manage.py tenant_delete --tenant SLUG --confirm SLUG"""

from django.core.management.base import BaseCommand, CommandError

from spm.models import Tenant
from spm.tenancy.lifecycle import tenant_delete


class Command(BaseCommand):
    help = ("Delete a tenant and every row it owns (irreversible; run tenant_export first). "
            "Accounts that belonged to this tenant only are deleted too.")

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--confirm", required=True, help="the slug again, to confirm")

    def handle(self, *args, tenant, confirm, **options):
        if confirm != tenant:
            raise CommandError("--confirm must repeat the tenant slug exactly.")
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"No tenant with slug {tenant!r}.")
        counts = tenant_delete(tenant=tenant_obj)
        self.stdout.write(f"Deleted tenant {tenant}: {sum(counts.values()):,} rows in {len(counts)} tables")
