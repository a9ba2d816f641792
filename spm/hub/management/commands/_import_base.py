"""What the import commands share: reading the file, calling the importer, printing the report."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spm.errors import DomainError
from spm.imports import errors_csv


class ImportCommand(BaseCommand):
    kind = ""
    importer = None  # spm.hub.imports.import_<kind>_file, as a staticmethod

    def handle(self, *args, **opts):
        path = opts["file"] = Path(opts["file"])
        data = self.read(path)
        created = None  # the --errors file this command made, removed again if the command fails
        if opts["errors"] is not None:  # refused before the import: never a traceback after a commit
            opts["errors"] = Path(opts["errors"])
            existed = opts["errors"].exists()
            try:
                opts["errors"].open("a").close()  # a directory or a read-only place fails here
            except OSError as exc:
                raise CommandError(f"--errors: cannot write {opts['errors']} ({exc.strerror or exc})") from None
            created = None if existed else opts["errors"]
        try:
            outcome = self.importer(data=data, file=str(path), tenant_slug=opts["tenant"], encoding=opts["encoding"],
                                    dry_run=opts["dry_run"], **self.options(opts))
        except BaseException:
            if created is not None:  # no report to write: leave no empty file behind
                created.unlink(missing_ok=True)
            raise
        self.finish(outcome, opts)

    def options(self, opts) -> dict:
        """Arguments of this kind's importer beyond the shared ones."""
        return {}

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file with the canonical columns (extra columns are ignored)")
        parser.add_argument("--tenant", required=True, help="tenant slug (created when absent)")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--errors", type=Path, default=None, help="write every refused cell to this CSV")
        parser.add_argument("--encoding", default=None, help="the file's encoding (default UTF-8)")

    def execute(self, *args, **options):
        # A load the database refused (disk full, a constraint) rolled back whole: its message, exit 1.
        try:
            return super().execute(*args, **options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror or exc})") from None

    def finish(self, outcome, opts) -> None:
        path = opts["file"]
        report = outcome.report
        if opts["errors"] is not None:
            opts["errors"].write_text(errors_csv(outcome.errors), encoding="utf-8")
        if opts["format"] == "json":
            self.stdout.write(json.dumps(outcome.as_dict(), indent=2))
        if outcome.errors:
            shown = "\n".join(f"  {path}: line {e.line}, column {e.column!r}, value {e.value!r}: {e.message}"
                              for e in report.errors)
            more = report.error_count - len(report.errors)
            raise CommandError(
                f"{path}: {report.error_count} error(s); nothing was imported.\n{shown}"
                + (f"\n  … and {more} more" + (f" (all in {opts['errors']})" if opts["errors"] else "") if more > 0 else "")
            )
        if opts["format"] != "json":
            verb = "would import" if outcome.dry_run else "imported"
            self.stdout.write(
                f"{path}: {verb} {report.rows:,} {self.kind} into {outcome.tenant.slug}: {report.created:,} created, "
                f"{report.updated:,} updated, {report.unchanged:,} unchanged"
                + (" (dry run: nothing written)" if outcome.dry_run else "")
            )
            if getattr(outcome, "recalculation", ""):
                self.stdout.write(f"Pay: {outcome.recalculation}")
