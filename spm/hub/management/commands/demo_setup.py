"""`demo_setup [--small]`: acme (generated) and globex (CRM export), users, plans and statements. Idempotent."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from spm.hub.demo.setup import PASSWORD, demo_setup, login_table


class Command(BaseCommand):
    help = "Set up the two demo tenants with one user per role (password 'demo'); skips when acme has data."

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true", help="a small acme (14 sellers, 500 deals) for tests")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="reference date (default: today)")
        parser.add_argument("--dir", type=Path, default=None, help="CRM export directory for globex")

    def handle(self, *args, **opts):
        started = time.perf_counter()
        report = demo_setup(small=opts["small"], today=opts["today"], data_dir=opts["dir"],
                            log=lambda msg: self.stdout.write(msg))
        if report.skipped:
            return
        for line in report.lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Logins (password {PASSWORD!r}):")
        for role, acme, globex in login_table():
            self.stdout.write(f"  {role:<34} {acme:<26} {globex}")
        self.stdout.write(self.style.SUCCESS(f"demo ready in {time.perf_counter() - started:.1f}s"))
