"""`loadtest --url http://127.0.0.1:8010 [--users 50] [--seconds 60] [--think 1 3] [--tenant acme] [--output FILE]`

Against a running server with the demo data (`demo_setup`; personas sign in with password "demo"):
N users on mixed role journeys, p50/p95/p99 per page, errors. `--output` replaces the "## Load"
section of that markdown file (docs/benchmarks.md); the command fails when any request failed.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spm.hub.load.runner import markdown, run

MARKER = "## Load (`manage.py loadtest`)"


class Command(BaseCommand):
    help = "Load test: virtual users on mixed role journeys against a running server."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="base URL of the running server")
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument("--ramp", type=float, default=10, help="seconds over which the users arrive")
        parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                            help="seconds a user pauses after each page, uniform between MIN and MAX (0 0: none)")
        parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                            help="measure from cold: skip each persona's one unmeasured visit of its pages")
        parser.add_argument("--tenant", default="acme")
        parser.add_argument("--password", default="demo")
        parser.add_argument("--note", default="", help="a line about the set-up (server, workers, machine)")
        parser.add_argument("--output", type=Path, default=None, help="markdown file whose Load section to replace")

    def handle(self, *args, url, users, seconds, ramp, think, warmup, tenant, password, note, output, **options):
        report = run(base=url.rstrip("/"), tenant=tenant, users=users, seconds=seconds, password=password, ramp=ramp,
                     think=tuple(think), warmup=warmup)
        text = markdown(report, target=url, note=note)
        self.stdout.write(text)
        if output:
            existing = output.read_text() if output.exists() else ""
            before = existing.split(MARKER)[0].rstrip()
            after = ""
            if MARKER in existing:
                rest = existing.split(MARKER, 1)[1]
                nxt = rest.find("\n## ")
                after = rest[nxt:] if nxt >= 0 else ""
            output.write_text((before + "\n\n" if before else "") + text + after)
            self.stdout.write(f"Wrote the Load section of {output}")
        if report["errors"] or not report["requests"]:
            raise CommandError(f"{report['errors']} failed requests of {report['requests']}")
