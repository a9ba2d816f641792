"""`import_activities FILE --tenant SLUG [--format json] [--dry-run] [--errors OUT.csv] [--encoding ENC]`.

Columns: external_id,owner_email,kind,date (optional subject,opportunity_external_id); upsert on
external_id; owners (and named deals) must already be in the workspace. Any error → exit 1, nothing written.
"""

from __future__ import annotations

from spm.hub.imports import import_activities_file
from spm.hub.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import meetings, calls and e-mails from a CSV file (external_id,owner_email,kind,date[,subject,opportunity_external_id])."
    kind = "activities"
    importer = staticmethod(import_activities_file)
