"""Print where the demo registry runs and how to log in (used by ``make demo``)."""

from django.core.management.base import BaseCommand

from girrepo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS

from .seed_demo_accounts import DEMO_ACCOUNTS

BASE = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Print the demo URL and logins."

    def handle(self, *args, **opts):
        w = self.stdout.write
        w("")
        w(self.style.SUCCESS(f"girrepo is starting on {BASE}/"))
        for label, path in [
            ("regions", "/regions/"),
            ("GI products", "/products/"),
            ("verify a label", "/verify/"),
            ("cooperative portal", "/portal/"),
            ("staff workbench", "/staff/"),
            ("admin", "/admin/"),
        ]:
            w(f"  {label:<20}{BASE}{path}")
        w("demo logins (demo data, fictional accounts), all with password " + DEMO_PASSWORD + ":")
        for username, label, _ in DEMO_USERS:
            w(f"  {username:<16}{label}")
        for username, label in DEMO_ACCOUNTS:
            w(f"  {username:<16}{label}")
        w("stop the server with Ctrl-C, and the database with `make stop`.")
        w("")
