"""python manage.py load_scenario FILE --tenant SLUG"""

import json

from django.core.management.base import BaseCommand, CommandError

from spm.errors import DomainError
from spm.hub.scenarios import scenario_load


class Command(BaseCommand):
    help = "Load a scenario JSON file into a tenant (created if needed); loading twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--tenant", required=True, help="tenant slug")

    def handle(self, *args, file, tenant, **options):
        try:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file} is not valid JSON: {exc}") from None
        try:
            report = scenario_load(data=data, tenant_slug=tenant)
        except DomainError as exc:  # invalid data (ScenarioError), or a load the database refused
            raise CommandError(f"{file}: nothing was written.\n{exc}") from None
        for line in report.lines():
            self.stdout.write(line)
