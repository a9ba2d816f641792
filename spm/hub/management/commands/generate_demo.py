"""`generate_demo --tenant acme [--sellers 60] [--accounts 1200] [--opportunities 9000] [--seed 7]`."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from spm.hub.demo.generator import generate_company
from spm.services import tenant_create_or_update

TENANT_NAMES = {"acme": "Acme Corporation", "globex": "Globex Corporation", "bench": "Bench Corp"}


class Command(BaseCommand):
    help = "Generate a deterministic demo company (sellers, accounts, deals, quotas, plans) into an empty tenant."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug (created if needed; must hold no sellers)")
        parser.add_argument("--name", help="tenant display name")
        parser.add_argument("--sellers", type=int, default=60)
        parser.add_argument("--accounts", type=int, default=1200)
        parser.add_argument("--opportunities", type=int, default=9000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--today", type=dt.date.fromisoformat, help="reference date (default: today)")
        parser.add_argument("--no-plans", action="store_true", help="skip comp plans and assignments")

    def handle(self, *args, **opts):
        slug = opts["tenant"]
        tenant = tenant_create_or_update(slug=slug, name=opts["name"] or TENANT_NAMES.get(slug, slug.title()))
        started = time.perf_counter()
        try:
            report = generate_company(
                tenant=tenant, sellers=opts["sellers"], accounts=opts["accounts"],
                opportunities=opts["opportunities"], seed=opts["seed"], today=opts["today"],
                with_plans=not opts["no_plans"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        start, end = report.window
        self.stdout.write(f"Generated {tenant.slug} (seed {opts['seed']}), deals from {start} to {end}:")
        for line in report.lines():
            self.stdout.write("  " + line)
        self.stdout.write(self.style.SUCCESS(f"done in {time.perf_counter() - started:.1f}s"))
