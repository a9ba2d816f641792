"""`migrate` in owner mode: schema changes and RLS policies need the table owner, not the app role."""

from django.core.management.commands.migrate import Command as DjangoMigrateCommand

from spm.tenancy.db import owner_mode


class Command(DjangoMigrateCommand):
    def handle(self, *args, **options):
        with owner_mode():
            return super().handle(*args, **options)
