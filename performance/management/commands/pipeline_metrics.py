"""python manage.py pipeline_metrics --tenant SLUG --as-of YYYY-MM-DD [--format json]

Prints the pipeline metrics of the whole tenant as of a day, with the definitions published in
``performance/pipeline/metrics.py`` (the same implementation as the pipeline page and the API).
"""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from performance.pipeline.selectors import pipeline_report, system_access
from spm.management.scope import tenant_command_scope


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CommandError(f"--as-of: {value!r} is not a date; expected YYYY-MM-DD, e.g. 2017-06-30") from None


class Command(BaseCommand):
    help = "Print win rate, bookings, cycle, open pipeline and aging per region, team and owner as of a day (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--as-of", required=True, dest="as_of", help="the day D, YYYY-MM-DD")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args, tenant, as_of, **options):
        day = _parse_day(as_of)
        with tenant_command_scope(tenant) as t:
            doc = pipeline_report(access=system_access(t), as_of=day)
        self.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False))
