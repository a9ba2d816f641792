"""python manage.py approval_reminders --tenant SLUG [--days 3]"""

from django.core.management.base import BaseCommand

from compensation.routing.services import approval_reminders_send
from spm.management.scope import tenant_command_scope


class Command(BaseCommand):
    help = "E-mail approvers (and their delegates) the statements waiting at their step for more than --days days."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--days", type=int, default=3, help="remind about statements waiting longer than this")

    def handle(self, *args, tenant, days, **options):
        with tenant_command_scope(tenant):
            sent = approval_reminders_send(older_than_days=days)
        self.stdout.write(f"Sent {sent} reminder{'s' if sent != 1 else ''}")
