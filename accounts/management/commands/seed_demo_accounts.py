"""Create the demo logins of the special-label workflow. Idempotent.

Demo data: fictional people with a well-known password, for a local
demonstration only. Never run this against a production registry. Needs the
regions (``load_regions``) and the demo producers (``seed_demo_producers``).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import ProducerAccount, StaffAssignment
from girrepo.management.commands.seed_demo import DEMO_PASSWORD
from producers.models import Producer
from regions.models import Region

DEMO_PRODUCER = "演示·宣威火腿加工有限公司 (demo)"
# username, name shown, region code of the jurisdiction, office
DEMO_STAFF = [
    ("demo-province", "演示·省局审核员 (demo)", "530000", "演示·云南省市场监督管理局 (demo)"),
    ("demo-qujing", "演示·曲靖市局审核员 (demo)", "530300", "演示·曲靖市市场监督管理局 (demo)"),
    ("demo-xuanwei", "演示·宣威市局审核员 (demo)", "530381", "演示·宣威市市场监督管理局 (demo)"),
]
DEMO_PRODUCER_USER = ("demo-coop", "演示·火腿公司填报员 (demo)")
DEMO_ACCOUNTS = [
    *[(username, label) for username, label, _code, _office in DEMO_STAFF],
    DEMO_PRODUCER_USER,
]


def _user(username: str, label: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": label, "email": f"{username}@demo.invalid"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user, created


class Command(BaseCommand):
    help = "Create the demo staff and producer logins of the label workflow (demo data)."

    @transaction.atomic
    def handle(self, *args, **opts):
        producer = Producer.objects.filter(name=DEMO_PRODUCER, is_demo=True).first()
        if producer is None:
            raise CommandError(f"run seed_demo_producers first: no demo producer {DEMO_PRODUCER}")
        created = 0
        for username, label, code, office in DEMO_STAFF:
            user, new = _user(username, label)
            created += new
            region = Region.objects.get(code=code)
            StaffAssignment.objects.update_or_create(
                user=user, defaults={"region": region, "office": office}
            )
        user, new = _user(*DEMO_PRODUCER_USER)
        created += new
        ProducerAccount.objects.get_or_create(user=user, producer=producer)
        if opts["verbosity"] >= 1:
            self.stdout.write(f"seed_demo_accounts: {created} demo label accounts created")
