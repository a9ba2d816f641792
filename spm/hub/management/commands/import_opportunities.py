"""`import_opportunities FILE --tenant SLUG [--as-of DATE] [--dry-run] [--errors OUT.csv] [--encoding ENC]
[--format json]`.

Columns: external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed
(optional product,team,region,forecast_category,probability); upsert on external id; history dated
--as-of (default today). Any error → exit 1 and nothing written.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from spm.hub.imports import import_opportunities_file
from spm.hub.management.commands._import_base import ImportCommand


def _date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: {value!r} is not a date (YYYY-MM-DD)") from None


class Command(ImportCommand):
    help = ("Import opportunities from a CSV file (external_id,account,owner_email,stage,amount,currency,"
            "created_date,close_date,is_won,is_closed[,product,team,region,forecast_category,probability]).")
    kind = "opportunities"
    importer = staticmethod(import_opportunities_file)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--as-of", default=None, help="date of this snapshot for the deal history (default today)")

    def options(self, opts) -> dict:
        return {"as_of": _date(opts["as_of"]) if opts["as_of"] else None}
