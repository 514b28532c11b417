"""Create the demo logins that ``make demo`` prints. Idempotent.

These accounts are demo data: fictional people with well-known passwords, for a
local demonstration only. Never run this against a production registry.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_PASSWORD = "girrepo-demo"
DEMO_USERS = [
    # username, first name, is_superuser
    ("demo-admin", "演示管理员 (demo)", True),
]


class Command(BaseCommand):
    help = "Create the demo accounts (demo data, fictional)."

    def handle(self, *args, **opts):
        User = get_user_model()
        created = 0
        for username, first_name, superuser in DEMO_USERS:
            user, new = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first_name, "is_staff": True, "is_superuser": superuser},
            )
            if new:
                user.set_password(DEMO_PASSWORD)
                user.save()
                created += 1
        if opts["verbosity"] >= 1:
            self.stdout.write(f"seed_demo: {created} demo accounts created")
