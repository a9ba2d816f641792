"""`import_activities FILE --tenant SLUG [--format json] [--dry-run] [--errors OUT.csv] [--encoding ENC]`.

Columns: external_id,owner_email,kind,date (optional subject,opportunity_external_id); upsert on
external_id; owners (and named deals) must already be in the workspace. Any error → exit 1, nothing written.
"""

from __future__ import annotations

from pathlib import Path

from spm.hub.imports import import_activities_file
from spm.hub.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import meetings, calls and e-mails from a CSV file (external_id,owner_email,kind,date[,subject,opportunity_external_id])."
    kind = "activities"

    def handle(self, *args, **opts):
        path = opts["file"] = Path(opts["file"])
        outcome = import_activities_file(data=self.read(path), file=str(path), tenant_slug=opts["tenant"],
                                         encoding=opts["encoding"], dry_run=opts["dry_run"])
        self.finish(outcome, opts)
