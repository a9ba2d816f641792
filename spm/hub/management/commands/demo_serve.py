"""`demo_serve [addrport]`: print the URL and the login table once, then run the development server."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from spm.hub.demo.setup import PASSWORD, login_table


class Command(BaseCommand):
    help = "Serve the demo on http://127.0.0.1:8000 (or ADDRPORT) after printing who can log in."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **opts):
        addrport = opts["addrport"]
        host, _, port = addrport.rpartition(":") if ":" in addrport else ("127.0.0.1", ":", addrport)
        url = f"http://{host or '127.0.0.1'}:{port}"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Revenue Command Center demo: {url}"))
        self.stdout.write(f"Log in with any of these (password {PASSWORD!r}):")
        self.stdout.write(f"  {'role':<34} {'acme':<26} globex")
        for role, acme, globex in login_table():
            self.stdout.write(f"  {role:<34} {acme:<26} {globex}")
        self.stdout.write("")
        call_command("runserver", addrport, use_reloader=False)
