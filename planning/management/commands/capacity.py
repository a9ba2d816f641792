"""python manage.py capacity FILE [--format json|table]

Computes a capacity scenario kept in a JSON file (issue 9's format, see
``planning.capacity.engine.parse_scenario``) with no database access. JSON output:
``{"capacity", "gap", "quota_to_assign", "hires_needed", "months": [{"month", "ramped", "ramping",
"fre", "capacity"}]}`` — money as decimal strings rounded half-up to cents; heads and FRE as JSON
numbers (an integer when whole, else rounded to 4 decimals). An invalid file names the key and
exits non-zero.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from planning.capacity.engine import CapacityInputError, compute, parse_scenario, result_to_dict
from planning.capacity.report import result_table


class Command(BaseCommand):
    help = "Compute a capacity scenario file: monthly heads, FRE, capacity, gap, quota to assign, hires needed."

    def add_arguments(self, parser):
        parser.add_argument("file", help="scenario JSON file ('-' for stdin)")
        parser.add_argument("--format", choices=["json", "table"], default="json")

    def handle(self, *args, file, format, **options):
        try:
            if file == "-":
                import sys

                data = json.load(sys.stdin)
            else:
                with open(file, encoding="utf-8") as fh:
                    data = json.load(fh)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
        except (ValueError, RecursionError) as exc:  # not UTF-8, an over-long integer, absurd nesting
            raise CommandError(f"{file} is not valid JSON: {exc}") from None
        try:
            scenario = parse_scenario(data)
        except CapacityInputError as exc:
            raise CommandError(f"Invalid scenario: {exc.key}: {exc.message}") from None
        result = compute(scenario)
        if format == "json":
            self.stdout.write(json.dumps(result_to_dict(result), indent=2))
        else:
            self.stdout.write(result_table(scenario, result))
