"""`import_sellers FILE --tenant SLUG [--format json] [--dry-run] [--errors OUT.csv] [--encoding ENC]`.

Columns: email,name,role,manager_email,region,team (optional hire_date,segment); upsert on e-mail;
managers may come after their reports. Any error → exit 1 and nothing written.
"""

from __future__ import annotations

from pathlib import Path

from spm.hub.imports import import_sellers_file
from spm.hub.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import sellers from a CSV file (email,name,role,manager_email,region,team[,hire_date,segment])."
    kind = "sellers"

    def handle(self, *args, **opts):
        path = opts["file"] = Path(opts["file"])
        outcome = import_sellers_file(data=self.read(path), file=str(path), tenant_slug=opts["tenant"],
                                      encoding=opts["encoding"], dry_run=opts["dry_run"])
        self.finish(outcome, opts)
