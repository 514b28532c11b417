"""Load the real GI facts of ``fixtures/gi_products.json`` (see fixtures/SOURCES.md).

Idempotent: a record that already says what the file says is not saved again,
so a re-run adds no history rows and recomputes no geometry. The file is the
source of these facts; a product's status is workflow and is left alone.
"""

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from regions.models import Region

from .choices import MatchedBy, ProductStatus
from .matching import AreaNameMatch, match_area_names
from .models import Category, GIProduct, StandardReference
from .services import product_save, product_set_area

FACTS_FILE = Path(settings.BASE_DIR) / "fixtures" / "gi_products.json"
PRODUCT_FIELDS = (
    "name_en",
    "authority",
    "announcement_number",
    "announcement_date",
    "announcement_year",
    "announcement_verified",
    "quality_requirements",
    "description",
    "sources",
)


class FactsError(Exception):
    """The facts file names something girrepo does not have (e.g. a region code)."""


@dataclass(frozen=True)
class AreaSpec:
    text: str
    units: list[AreaNameMatch]
    unmatched: list[str]
    units_contain_area: bool
    note: str


def read_facts(path: Path = FACTS_FILE) -> dict:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


@transaction.atomic
def products_load_facts(*, data: dict) -> Counter:
    """Create or update categories and products; returns counts keyed by (kind, outcome)."""
    summary: Counter = Counter()
    categories = {}
    for row in data["categories"]:
        category, outcome = _upsert_category(row)
        categories[category.slug] = category
        summary[("category", outcome)] += 1
    for row in data["products"]:
        summary[("product", _upsert_product(row, categories))] += 1
    return summary


def _upsert_category(row: dict) -> tuple[Category, str]:
    category = Category.objects.filter(slug=row["slug"]).first()
    if category is None:
        category = Category(slug=row["slug"])
        outcome = "created"
    elif (category.name, category.name_en) == (row["name"], row.get("name_en", "")):
        return category, "unchanged"
    else:
        outcome = "updated"
    category.name = row["name"]
    category.name_en = row.get("name_en", "")
    category.full_clean()
    category.save()
    return category, outcome


def _wanted_fields(row: dict) -> dict:
    date = row.get("announcement_date")
    return {
        "name_en": row.get("name_en", ""),
        "authority": row.get("authority", ""),
        "announcement_number": row.get("announcement_number", ""),
        "announcement_date": dt.date.fromisoformat(date) if date else None,
        "announcement_year": row.get("announcement_year"),
        "announcement_verified": row.get("announcement_verified", False),
        "quality_requirements": row.get("quality_requirements", ""),
        "description": row.get("description", ""),
        "sources": row.get("sources", ""),
    }


def _upsert_product(row: dict, categories: dict[str, Category]) -> str:
    product = GIProduct.objects.filter(register=row["register"], name=row["name"]).first()
    created = product is None
    if created:
        product = GIProduct(
            register=row["register"], name=row["name"], status=ProductStatus.PROTECTED
        )
    wanted = _wanted_fields(row)
    category = categories[row["category"]]
    changed = created or product.category_id != category.pk
    changed |= any(getattr(product, f) != v for f, v in wanted.items())
    if changed:
        product.category = category
        for f, v in wanted.items():
            setattr(product, f, v)
        product_save(product=product)
    changed |= _sync_standards(product, row.get("standards", []))
    area = _area_spec(row.get("area", {}))
    if created or _area_differs(product, area):
        product_set_area(
            product=product,
            units=area.units,
            area_text=area.text,
            unmatched=area.unmatched,
            units_contain_area=area.units_contain_area,
            area_note=area.note,
        )
        changed = True
    if created:
        return "created"
    return "updated" if changed else "unchanged"


def _sync_standards(product: GIProduct, rows: list[dict]) -> bool:
    changed = False
    for row in rows:
        date = row.get("effective_date")
        wanted = {
            "title": row.get("title", ""),
            "effective_date": dt.date.fromisoformat(date) if date else None,
        }
        standard = StandardReference.objects.filter(product=product, code=row["code"]).first()
        if standard and all(getattr(standard, f) == v for f, v in wanted.items()):
            continue
        standard = standard or StandardReference(product=product, code=row["code"])
        for f, v in wanted.items():
            setattr(standard, f, v)
        standard.full_clean()
        standard.save()
        changed = True
    return changed


def _area_spec(area: dict) -> AreaSpec:
    units: list[AreaNameMatch] = []
    unmatched: list[str] = []
    codes = area.get("units", [])
    regions = {
        r.code: r for r in Region.objects.filter(code__in=codes).defer("geom", "geom_display")
    }
    for code in codes:
        if code not in regions:
            raise FactsError(f"region {code} is not loaded (run load_regions first)")
        units.append(
            AreaNameMatch(text=regions[code].name, region=regions[code], matched_by=MatchedBy.CODE)
        )
    townships = area.get("townships")
    if townships:
        county = Region.objects.filter(code=townships["county"]).first()
        if county is None:
            raise FactsError(f"county {townships['county']} is not loaded")
        matched, unmatched = match_area_names(county=county, names=townships["names"])
        units += matched
    return AreaSpec(
        text=area.get("text", ""),
        units=units,
        unmatched=unmatched,
        units_contain_area=area.get("units_contain_area", False),
        note=area.get("note", ""),
    )


def _area_differs(product: GIProduct, area: AreaSpec) -> bool:
    if (
        product.area_text != area.text
        or product.area_unmatched != area.unmatched
        or product.area_units_contain_area != area.units_contain_area
        or product.area_note != area.note
    ):
        return True
    if area.units and product.area_computed is None:
        return True
    stored = set(product.area_units.values_list("region_id", "text_as_announced", "matched_by"))
    return stored != {(u.region.pk, u.text, u.matched_by) for u in area.units}
