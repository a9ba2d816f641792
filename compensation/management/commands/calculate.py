"""python manage.py calculate --tenant SLUG --period 2027-01 [--through 2027-12]"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from compensation.models import CalculationRun
from compensation.services import calculation_request
from spm.management.scope import tenant_command_scope
from spm.tenancy.db import tenant_atomic


class Command(BaseCommand):
    help = "Calculate statements through the same Celery path as the product (eager without a broker)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--period", required=True, help="first month, e.g. 2027-01")
        parser.add_argument("--through", default=None, help="last month (default: --period)")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for a worker")

    def handle(self, *args, tenant, period, through, timeout, **options):
        # Leaving this block commits; on_commit then starts the task (in-process when eager).
        with tenant_command_scope(tenant) as tenant_obj:
            run = calculation_request(period_from=period, period_through=through)
        self.stdout.write(f"Run {run.pk}: {run.period_from}..{run.period_through} queued")
        deadline = time.monotonic() + timeout
        last = None
        while True:
            with tenant_atomic(tenant_obj):
                run = CalculationRun.objects.get(pk=run.pk)
            if (run.progress, run.message) != last:
                last = (run.progress, run.message)
                self.stdout.write(f"{run.progress:3d}% {run.message}")
            if run.is_finished:
                break
            if settings.CELERY_TASK_ALWAYS_EAGER or time.monotonic() > deadline:
                raise CommandError(f"Run {run.pk} did not finish (status {run.status}); is a worker running?")
            time.sleep(0.5)
        if run.status == CalculationRun.Status.FAILED:
            raise CommandError(f"Run {run.pk} {run.message[0].lower()}{run.message[1:]}" if run.message else f"Run {run.pk} failed")
        self.stdout.write(f"Run {run.pk} succeeded: {run.statement_count} statements, {run.line_count} lines")
