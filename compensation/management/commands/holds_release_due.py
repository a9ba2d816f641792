"""python manage.py holds_release_due --tenant SLUG [--today 2027-04-30]"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from compensation.holds.services import holds_release_due
from spm.errors import DomainError
from spm.management.scope import tenant_command_scope


class Command(BaseCommand):
    help = "Release every hold whose release date has passed, into the month of --today (default: today)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--today", default=None, help="the date to release as of, YYYY-MM-DD")

    def handle(self, *args, tenant, today, **options):
        try:
            day = dt.date.fromisoformat(today) if today else dt.date.today()
        except ValueError:
            raise CommandError(f"--today: {today!r} is not a date (YYYY-MM-DD)") from None
        try:
            with tenant_command_scope(tenant):
                released = holds_release_due(today=day)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Released {released} hold{'s' if released != 1 else ''} into {day:%Y-%m}")
