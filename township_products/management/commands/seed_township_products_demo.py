"""Create the demo "one township, one product" records. Idempotent.

No real 一乡一品 recognition is verified for girrepo, so every record here is
fictional: flagged ``is_demo`` and named "(demo)". They sit in real townships
and link to real GI products when those are loaded (looked up by name,
skipped otherwise), to show how the register connects; the recognition itself,
its year and its figures are invented and therefore left empty.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from producers.choices import ProducerKind
from producers.models import Producer
from regions.models import Region
from township_products.models import TownshipProduct
from township_products.services import township_product_save

DEMO_NOTE = "演示数据：虚构的一乡一品记录，仅用于演示。Demo data: a fictional record, not a real recognition."

# township code, product name, name of the real GI product to link (if loaded).
DEMO_RECORDS = [
    ("530322104", "滇陆猪 (demo)", "陆良滇陆猪"),  # 陆良县 马街镇
    ("530324001", "黄山羊 (demo)", "罗平黄山羊"),  # 罗平县 罗雄街道
]


def _gi_product(name: str):
    """The GI product called ``name``, or None if the products app or the record is absent."""
    try:
        model = apps.get_model("products", "GIProduct")
    except LookupError:
        return None
    return model.objects.filter(name=name).order_by("pk").first()


class Command(BaseCommand):
    help = "Create the demo one-township-one-product records (fictional, flagged demo)."

    @transaction.atomic
    def handle(self, *args, **opts):
        created = linked = 0
        for township_code, product_name, gi_name in DEMO_RECORDS:
            township = Region.objects.filter(code=township_code).first()
            if township is None:
                self.stderr.write(f"township {township_code} not loaded; run load_regions first")
                continue
            record = TownshipProduct.objects.filter(
                township=township, product_name=product_name
            ).first()
            if record is None:
                record = TownshipProduct(township=township, product_name=product_name)
                created += 1
            record.is_demo = True
            record.description = DEMO_NOTE
            gi_product = _gi_product(gi_name)
            if gi_product is not None:
                record.gi_product = gi_product
                record.category_id = gi_product.category_id
                linked += 1
            leads = Producer.objects.filter(
                is_demo=True, kind=ProducerKind.COOPERATIVE, county_id=township.parent_id
            ).order_by("pk")[:1]
            township_product_save(township_product=record, lead_cooperatives=list(leads))
        if opts["verbosity"] >= 1:
            self.stdout.write(
                f"seed_township_products_demo: {created} created, "
                f"{len(DEMO_RECORDS) - created} already present, {linked} linked to GI products"
            )
