"""`import_sellers FILE --tenant SLUG [--format json] [--dry-run] [--errors OUT.csv] [--encoding ENC]`.

Columns: email,name,role,manager_email,region,team (optional hire_date,segment); upsert on e-mail;
managers may come after their reports. Any error → exit 1 and nothing written.
"""

from __future__ import annotations

from spm.hub.imports import import_sellers_file
from spm.hub.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import sellers from a CSV file (email,name,role,manager_email,region,team[,hire_date,segment])."
    kind = "sellers"
    importer = staticmethod(import_sellers_file)
