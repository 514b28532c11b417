"""Everything registered in a region or covering it, across all registers.

Lives in ``search`` because only the right end of the import chain may import
every register; ``regions`` knows nothing of what links to it. Region pages
load this summary as a fragment (see ``search.views.region_registrations``).

Every "in" list uses the registers' own ``?region=`` semantics (the region or
any region below it, one MPTT interval), so "show all" links to the filtered
register list give the same records. Coverage from above comes from protected
area units and mark origins that are ancestors of the region, and for an
exactly mapped area from its parts containing the region's label point.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from brands.models import GIMark
from producers.models import Producer
from products.choices import AreaPrecision
from products.models import GIProduct, ProtectedAreaPart, ProtectedAreaUnit
from regions.models import Region
from regions.selectors import region_with_descendants_q
from township_products.models import TownshipProduct
from varieties.models import PlantVariety

# Enough for any region today (Yunnan has 134 GI products in all); with 100
# times the records a province page stays small and links to the full lists.
LIST_LIMIT = 50
# A region page never counts a register exactly past this many rows (the province
# holds every producer): "10,000+" is as useful as 600,000 and costs a page of rows.
COUNT_CAP = 10_000
PRODUCER_LIMIT = 20
# Pages never load full-resolution geometry.
PRODUCT_HEAVY = ("area_geom", "area_display", "area_label_point")
REGION_HEAVY = ("geom", "geom_display", "label_point")
REGION_FIELDS = (
    "id",
    "code",
    "name",
    "level",
    "tree_id",
    "lft",
    "rght",
    "parent_id",
    "label_point",
)


@dataclass
class Listing:
    """The first records of one register in a region, and how many there are."""

    items: list
    total: int  # counted up to COUNT_CAP + 1 rows only
    list_url: str

    @property
    def is_partial(self) -> bool:
        return self.total > len(self.items)

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def total_display(self) -> str:
        return f"{COUNT_CAP:,}+" if self.capped else str(self.total)


class Coverage:
    """How a product's protected area covers the region (see ``CoveringProduct``)."""

    WHOLE = "whole"  # an area unit is an ancestor: the whole region is inside
    WITHIN_UNIT = "within_unit"  # the area only lies somewhere within that ancestor
    LABEL_POINT = "label_point"  # an exact area contains the region's label point


@dataclass
class CoveringProduct:
    product: GIProduct
    coverage: str
    units: list[Region] = field(default_factory=list)

    @property
    def needs_manual_check(self) -> bool:
        return self.coverage == Coverage.WITHIN_UNIT


@dataclass
class RegionRegistrations:
    region: Region
    products: Listing
    covering_products: list[CoveringProduct]
    marks: Listing
    covering_marks: list[GIMark]
    producers: Listing
    varieties: Listing
    township_products: Listing

    @property
    def is_empty(self) -> bool:
        return not (
            self.products.total
            or self.covering_products
            or self.marks.total
            or self.covering_marks
            or self.producers.total
            or self.varieties.total
            or self.township_products.total
        )


def region_for_summary(*, code: str) -> Region | None:
    return Region.objects.only(*REGION_FIELDS).filter(code=code).first()


def region_registrations(*, region: Region) -> RegionRegistrations:
    """Records registered in ``region`` (or below it) and those covering it.

    A fixed number of queries whatever the region's size: one interval
    condition per register, a count only when a list is cut short.
    """
    return RegionRegistrations(
        region=region,
        products=_listing(
            GIProduct.objects.filter(Exists(_units_in(region).filter(product=OuterRef("pk"))))
            .select_related("category")
            .defer(*PRODUCT_HEAVY),
            region=region,
            list_name="products:product_list",
        ),
        covering_products=_covering_products(region),
        marks=_listing(
            GIMark.objects.filter(region_with_descendants_q(region=region, field="origin_regions"))
            .distinct()
            .only("id", "name", "mark_type", "status", "registration_number"),
            region=region,
            list_name="brands:gimark_list",
        ),
        covering_marks=_covering_marks(region),
        producers=_listing(
            Producer.objects.filter(
                region_with_descendants_q(region=region, field="county")
                | region_with_descendants_q(region=region, field="township")
            )
            .select_related("county")
            .only("id", "name", "kind", "is_demo", "county__name")
            .order_by("name", "pk"),
            region=region,
            list_name="producers:producer_list",
            limit=PRODUCER_LIMIT,
        ),
        varieties=_listing(
            PlantVariety.objects.filter(
                region_with_descendants_q(region=region, field="growing_regions")
            )
            .distinct()
            .only("id", "denomination", "species_zh", "is_demo"),
            region=region,
            list_name="varieties:plantvariety_list",
        ),
        township_products=_listing(
            TownshipProduct.objects.filter(
                region_with_descendants_q(region=region, field="township")
            )
            .select_related("township__parent")
            .only(
                "id",
                "product_name",
                "is_demo",
                "township__code",
                "township__name",
                "township__parent__code",
                "township__parent__name",
            ),
            region=region,
            list_name="township_products:townshipproduct_list",
        ),
    )


def _listing(qs: QuerySet, *, region: Region, list_name: str, limit: int = LIST_LIMIT) -> Listing:
    items = list(qs[: limit + 1])
    total = qs.order_by()[: COUNT_CAP + 1].count() if len(items) > limit else len(items)
    url = f"{reverse(list_name)}?{urlencode({'region': region.code})}"
    return Listing(items=items[:limit], total=total, list_url=url)


def _ancestors_q(region: Region, field: str) -> Q:
    """Rows linked through ``field`` to a region strictly above ``region``."""
    return Q(
        **{
            f"{field}__tree_id": region.tree_id,
            f"{field}__lft__lt": region.lft,
            f"{field}__rght__gt": region.rght,
        }
    )


def _units_in(region: Region) -> QuerySet[ProtectedAreaUnit]:
    return ProtectedAreaUnit.objects.filter(region_with_descendants_q(region=region))


def _covering_products(region: Region) -> list[CoveringProduct]:
    """Products whose area covers the region from above, with how sure that is."""
    covering: dict[int, CoveringProduct] = {}
    if region.parent_id:
        units = (
            ProtectedAreaUnit.objects.filter(_ancestors_q(region, "region"))
            .select_related("product__category", "region")
            .defer(
                *(f"product__{f}" for f in PRODUCT_HEAVY),
                *(f"region__{f}" for f in REGION_HEAVY),
            )
            .order_by("product__name", "product_id", "region__lft")
        )
        for unit in units:
            product = unit.product
            # A unit that only contains a finer announced area (普洱茶's 639
            # townships in 11 prefectures) does not say whether the area
            # reaches this region: that needs a person to check.
            coverage = Coverage.WITHIN_UNIT if product.area_units_contain_area else Coverage.WHOLE
            entry = covering.setdefault(product.pk, CoveringProduct(product, coverage))
            entry.units.append(unit.region)
    if region.label_point is not None:
        linked = ProtectedAreaUnit.objects.filter(product=OuterRef("product_id")).filter(
            region_with_descendants_q(region=region) | _ancestors_q(region, "region")
        )
        hits = (
            ProtectedAreaPart.objects.filter(
                geom__covers=region.label_point,
                product__area_precision=AreaPrecision.EXACT,
            )
            .exclude(Exists(linked))
            .values_list("product_id", flat=True)
            .distinct()
        )
        products = (
            GIProduct.objects.filter(pk__in=hits).select_related("category").defer(*PRODUCT_HEAVY)
        )
        for product in products:
            covering[product.pk] = CoveringProduct(product, Coverage.LABEL_POINT)
    return list(covering.values())


def _covering_marks(region: Region) -> list[GIMark]:
    if not region.parent_id:
        return []
    return list(
        GIMark.objects.filter(_ancestors_q(region, "origin_regions"))
        .distinct()
        .only("id", "name", "mark_type", "status", "registration_number")[:LIST_LIMIT]
    )
