"""Print where the demo registry runs and how to log in (used by ``make demo``)."""

from django.core.management.base import BaseCommand

from .seed_demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo URL and logins."

    def handle(self, *args, **opts):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("girrepo is starting on http://127.0.0.1:8000/"))
        self.stdout.write("  regions:  http://127.0.0.1:8000/regions/")
        self.stdout.write("  staff:    http://127.0.0.1:8000/admin/")
        self.stdout.write("demo logins (demo data, fictional accounts):")
        for username, label, _ in DEMO_USERS:
            self.stdout.write(f"  {username} / {DEMO_PASSWORD}   {label}")
        self.stdout.write("stop the server with Ctrl-C, and the database with `make stop`.")
        self.stdout.write("")
