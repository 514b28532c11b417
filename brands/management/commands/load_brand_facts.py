"""Load the verified facts about Yunnan's GI marks and famous marks. Idempotent.

Only facts listed in /work/shared/DATA.md are loaded (sources in
fixtures/SOURCES.md). What is not known is left empty, never guessed: the
registration number, registrant, origin area, terms and renewals of 文山三七's
certification mark; the holder, decision and recognising body of its
well-known-mark recognition.

    manage.py load_brand_facts

Run it after the GI product facts so that the mark is linked to the product of
the same name; without them the link is skipped and a re-run adds it.
"""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction

from brands.choices import FamousMarkKind, MarkStatus, MarkType
from brands.models import FamousMark, GIMark
from brands.services import famous_mark_save, gi_mark_save

SOURCE = (
    "girrepo fixtures/SOURCES.md, section “GI marks and famous marks”: "
    "facts verified in published news and official pages (DATA.md, “Facts about Yunnan GIs”)."
)

GI_MARK_FACTS = [
    {
        "name": "文山三七",
        "mark_type": MarkType.CERTIFICATION,
        "registration_date": dt.date(2005, 3, 21),
        "date_verified": True,
        "status": MarkStatus.REGISTERED,
        "description": (
            "地理标志证明商标，2005年3月21日注册，为云南省第一件地理标志证明商标。"
            "注册号、注册人、地域范围、续展情况未记录。\n"
            "GI certification mark registered on 2005-03-21, the first in Yunnan. "
            "Registration number, registrant, area and renewals are not recorded."
        ),
        "sources": SOURCE,
    },
]

FAMOUS_MARK_FACTS = [
    {
        "kind": FamousMarkKind.WELL_KNOWN,
        "name": "文山三七",
        "recognition_date": dt.date(2011, 5, 27),
        "date_verified": True,
        "description": (
            "2011年5月27日被认定为中国驰名商标。持有人、认定机关和认定文号未记录。\n"
            "Recognised as a China well-known mark on 2011-05-27. Holder, recognising "
            "body and decision reference are not recorded."
        ),
        "sources": SOURCE,
    },
]


def _products_named(name: str) -> list:
    """GI products of this name, if the products register is loaded; else none."""
    from products.models import GIProduct

    return list(GIProduct.objects.filter(name=name))


class Command(BaseCommand):
    help = "Load the verified GI mark and well-known mark facts (idempotent)."

    @transaction.atomic
    def handle(self, *args, **opts):
        created = linked = 0
        for fact in GI_MARK_FACTS:
            mark = GIMark.objects.filter(
                name=fact["name"],
                mark_type=fact["mark_type"],
                registration_date=fact["registration_date"],
            ).first()
            if mark is None:
                mark = gi_mark_save(mark=GIMark(**fact))
                created += 1
            products = [
                p for p in _products_named(mark.name) if p not in mark.related_products.all()
            ]
            if products:
                mark.related_products.add(*products)
                linked += len(products)
        for fact in FAMOUS_MARK_FACTS:
            exists = FamousMark.objects.filter(
                kind=fact["kind"], name=fact["name"], recognition_date=fact["recognition_date"]
            ).exists()
            if not exists:
                famous_mark_save(famous_mark=FamousMark(**fact))
                created += 1
        if opts["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"load_brand_facts: {created} records created, "
                    f"{linked} links to GI products added"
                )
            )
