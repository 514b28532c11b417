"""Create a few plainly fictional demo marks, users, recognitions and a recordation. Idempotent.

Everything here is demo data: invented names marked "(demo)", ``is_demo=True``,
credit codes that are well-formed but never issued, no registration or
recordation numbers. It exists so that the pages show terms, renewals,
licensees, members and an expired mark.
"""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction

from brands.choices import FamousMarkKind, MarkType, RightType
from brands.models import CustomsRecordation, FamousMark, GIMark
from brands.services import (
    customs_recordation_save,
    famous_mark_save,
    gi_mark_save,
    mark_renew,
    mark_term_create_first,
    mark_use_add,
)
from girrepo.validators import make_credit_code
from producers.choices import ProducerKind
from producers.models import Producer
from producers.services import producer_save
from regions.models import Region

DEMO_NOTE = "演示数据：虚构记录，仅用于演示。Demo data: a fictional record."

# key, name, kind, county code, 17-character stem of a never-issued credit code
DEMO_PRODUCERS = [
    (
        "assoc",
        "演示·罗平县蜂业协会 (demo)",
        ProducerKind.ASSOCIATION,
        "530324",
        "51530324MADEMB001",
    ),
    (
        "coop1",
        "演示·罗平县蜂蜜专业合作社 (demo)",
        ProducerKind.COOPERATIVE,
        "530324",
        "93530324MADEMB002",
    ),
    (
        "coop2",
        "演示·师宗县蜂蜜专业合作社 (demo)",
        ProducerKind.COOPERATIVE,
        "530323",
        "93530323MADEMB003",
    ),
    (
        "oilassoc",
        "演示·广南县油茶协会 (demo)",
        ProducerKind.ASSOCIATION,
        "532627",
        "51532627MADEMB004",
    ),
    (
        "oilfirm",
        "演示·广南县山茶油有限公司 (demo)",
        ProducerKind.ENTERPRISE,
        "532627",
        "91532627MADEMB005",
    ),
]


def _producer(name, kind, county_code, stem) -> Producer:
    code = make_credit_code(stem)
    existing = Producer.objects.filter(credit_code=code).first()
    if existing:
        return existing
    county = Region.objects.get(code=county_code)
    return producer_save(
        producer=Producer(
            name=name, credit_code=code, kind=kind, is_demo=True, description=DEMO_NOTE
        ),
        longitude=county.label_point.x,
        latitude=county.label_point.y,
    )


class Command(BaseCommand):
    help = "Create fictional demo GI marks, famous marks and a customs recordation (demo data)."

    @transaction.atomic
    def handle(self, *args, **opts):
        if GIMark.objects.filter(name="演示·罗平蜂蜜 (demo)").exists():
            if opts["verbosity"] >= 1:
                self.stdout.write("seed_brand_demo: demo marks already present")
            return
        p = {key: _producer(*rest) for key, *rest in DEMO_PRODUCERS}

        honey = gi_mark_save(
            mark=GIMark(
                name="演示·罗平蜂蜜 (demo)",
                mark_type=MarkType.COLLECTIVE,
                nice_classes=[30],
                goods="蜂蜜 (demo)",
                registrant=p["assoc"],
                registration_date=dt.date(2012, 6, 1),
                description=DEMO_NOTE,
                is_demo=True,
            ),
            origin_regions=Region.objects.filter(code__in=["530324", "530323"]),
        )
        mark_term_create_first(mark=honey)
        mark_renew(mark=honey, filed_on=dt.date(2022, 1, 10))
        for key, start in (("coop1", dt.date(2013, 3, 1)), ("coop2", dt.date(2015, 9, 1))):
            mark_use_add(mark=honey, producer=p[key], start=start)

        oil = gi_mark_save(
            mark=GIMark(
                name="演示·广南山茶油 (demo)",
                mark_type=MarkType.CERTIFICATION,
                nice_classes=[29],
                goods="食用山茶油 (demo)",
                registrant=p["oilassoc"],
                registration_date=dt.date(2010, 3, 15),
                description=DEMO_NOTE + " 未续展，已过期 (not renewed: shown as expired).",
                is_demo=True,
            ),
            origin_regions=Region.objects.filter(code="532627"),
        )
        mark_term_create_first(mark=oil)
        mark_use_add(mark=oil, producer=p["oilfirm"], start=dt.date(2011, 1, 1))

        famous = famous_mark_save(
            famous_mark=FamousMark(
                kind=FamousMarkKind.YUNNAN_FAMOUS,
                name="演示·广南山茶油 (demo)",
                holder=p["oilfirm"],
                nice_class=29,
                recognition_date=dt.date(2013, 1, 10),
                valid_until=dt.date(2016, 1, 9),
                description=DEMO_NOTE,
                is_demo=True,
            )
        )
        customs_recordation_save(
            recordation=CustomsRecordation(
                right_type=RightType.GI_MARK,
                recorded_right="演示·罗平蜂蜜 (demo) 集体商标",
                gi_mark=honey,
                holder=p["assoc"],
                recordation_date=dt.date(2014, 7, 1),
                sources=DEMO_NOTE,
                is_demo=True,
            )
        )
        if opts["verbosity"] >= 1:
            self.stdout.write(
                f"seed_brand_demo: 2 demo GI marks, 1 demo famous mark ({famous.pk}), "
                "1 demo customs recordation created"
            )
