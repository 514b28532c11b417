"""Create a handful of plainly fictional demo producers. Idempotent.

Every record is demo data: invented names marked "(演示 demo)", ``is_demo=True``,
credit codes that are well-formed (valid check character) but were never issued,
and locations at the label point of a real county.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from girrepo.validators import make_credit_code
from producers.choices import ProducerKind
from producers.models import CooperativeMember, Producer
from producers.services import producer_save
from regions.models import Region

# name, kind, county code, 17-character stem of a never-issued credit code, households
DEMO_PRODUCERS = [
    (
        "演示·陆良县生猪养殖专业合作社 (demo)",
        ProducerKind.COOPERATIVE,
        "530322",
        "93530322MADEMX001",
        48,
    ),
    (
        "演示·罗平县山羊养殖专业合作社 (demo)",
        ProducerKind.COOPERATIVE,
        "530324",
        "93530324MADEMX002",
        35,
    ),
    (
        "演示·宣威火腿加工有限公司 (demo)",
        ProducerKind.ENTERPRISE,
        "530381",
        "91530381MADEMX003",
        None,
    ),
    (
        "演示·南华县松茸专业合作社 (demo)",
        ProducerKind.COOPERATIVE,
        "532324",
        "93532324MADEMX004",
        60,
    ),
    ("演示·普洱茶产业协会 (demo)", ProducerKind.ASSOCIATION, "530802", "51530802MADEMX005", None),
    (
        "演示·永德县芒果专业合作社 (demo)",
        ProducerKind.COOPERATIVE,
        "530923",
        "93530923MADEMX006",
        27,
    ),
]
DEMO_HOUSEHOLDS = ["演示户·张 (demo)", "演示户·李 (demo)", "演示户·王 (demo)"]


class Command(BaseCommand):
    help = "Create fictional demo producers (demo data)."

    @transaction.atomic
    def handle(self, *args, **opts):
        created = 0
        for name, kind, county_code, stem, households in DEMO_PRODUCERS:
            code = make_credit_code(stem)
            if Producer.objects.filter(credit_code=code).exists():
                continue
            county = Region.objects.get(code=county_code)
            producer = producer_save(
                producer=Producer(
                    name=name,
                    credit_code=code,
                    kind=kind,
                    is_demo=True,
                    member_households=households,
                    description="演示数据：虚构的市场主体，仅用于演示。Demo data: a fictional producer.",
                ),
                longitude=county.label_point.x,
                latitude=county.label_point.y,
            )
            if kind == ProducerKind.COOPERATIVE:
                for head in DEMO_HOUSEHOLDS:
                    CooperativeMember.objects.create(cooperative=producer, household_head=head)
            created += 1
        if opts["verbosity"] >= 1:
            self.stdout.write(f"seed_demo_producers: {created} demo producers created")
