"""Reads for the public map: the map search, and what the page needs besides tiles."""

from django.contrib.gis.db.models.functions import Envelope
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, F, Q, QuerySet, When
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils.translation import gettext as _

from girrepo.text import query_key
from products.choices import AreaPrecision
from products.models import Category, GIProduct
from regions.choices import RegionLevel
from regions.models import Region
from township_products.models import TownshipProduct

SEARCH_LIMIT = 8
# Below this pg_trgm similarity a fuzzy match is noise (as in search.selectors).
SIMILARITY = 0.3
MAP_LEVELS = (RegionLevel.PREFECTURE, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)


def _matching(qs: QuerySet, q: str, name_field: str, text_fields: tuple[str, ...]) -> QuerySet:
    """Rows whose name contains ``q`` (Chinese, English) or whose pinyin key contains
    its pinyin (``puer``, ``pǔ'ěr``, 普洱 all meet), best match first."""
    compact = query_key(q)
    cond = Q(**{f"{name_field}__trigram_similar": q})
    for field in text_fields:
        cond |= Q(**{f"{field}__icontains": q})
    sims = [TrigramSimilarity(name_field, q)]
    if compact:
        cond |= Q(search_key__contains=compact)
        sims.append(TrigramSimilarity("search_key", compact))
    exact = Case(When(**{name_field: q}, then=1.0), default=0.0)
    return qs.filter(cond).annotate(score=Greatest(exact, *sims)).order_by("-score", "pk")


def map_search(*, q: str, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Places and products for the map's search box, each with where to jump.

    A result has ``bbox`` (xmin, ymin, xmax, ymax in WGS-84) to fit the map to;
    a township, having no boundary, gives its county's box and says so.
    """
    q = (q or "").strip()[:100]
    if not q:
        return []
    results: list[tuple[float, dict]] = []
    regions = _matching(
        Region.objects.filter(level__in=MAP_LEVELS),
        q,
        "name",
        ("name", "name_en"),
    ).annotate(
        box=Case(
            When(geom_display__isnull=False, then=Envelope("geom_display")),
            default=Envelope("parent__geom_display"),
        ),
        parent_name=F("parent__name"),
    )
    for region in regions.only("id", "code", "name", "level", "parent")[:limit]:
        if region.box is None:
            continue
        note = ""
        if region.level == RegionLevel.TOWNSHIP:
            note = _("no boundary: %(county)s is shown") % {"county": region.parent_name}
        results.append(
            (
                region.score,
                {
                    "kind": region.get_level_display(),
                    "label": region.name,
                    "note": note,
                    "bbox": _rounded(region.box.extent),
                    "url": region.get_absolute_url(),
                },
            )
        )
    products = _matching(GIProduct.objects.all(), q, "name", ("name", "name_en")).annotate(
        box=Envelope("area_display")
    )
    for product in products.only("id", "name", "area_precision")[:limit]:
        mapped = product.area_precision != AreaPrecision.NOT_MAPPED and product.box is not None
        results.append(
            (
                product.score,
                {
                    "kind": _("GI product"),
                    "label": product.name,
                    "note": "" if mapped else _("protected area not mapped"),
                    "bbox": _rounded(product.box.extent) if mapped else None,
                    "url": product.get_absolute_url(),
                },
            )
        )
    township_products = _matching(
        TownshipProduct.objects.all(), q, "product_name", ("product_name",)
    ).annotate(
        box=Envelope("township__parent__geom_display"),
        township_name=F("township__name"),
        county_name=F("township__parent__name"),
    )
    for record in township_products.only("id", "product_name")[:limit]:
        if record.box is None:
            continue
        results.append(
            (
                record.score,
                {
                    "kind": _("One township, one product"),
                    "label": record.product_name,
                    "note": f"{record.township_name}，{record.county_name}",
                    "bbox": _rounded(record.box.extent),
                    "url": record.get_absolute_url(),
                },
            )
        )
    results.sort(key=lambda r: -r[0])
    return [r for _score, r in results[:limit]]


def _rounded(extent) -> list[float]:
    return [round(v, 4) for v in extent]


def unmapped_products(*, product_ids: QuerySet | None) -> list[dict]:
    """Products (passing the filters) whose protected area cannot be drawn."""
    qs = GIProduct.objects.filter(area_precision=AreaPrecision.NOT_MAPPED)
    if product_ids is not None:
        qs = qs.filter(pk__in=product_ids)
    return [
        {"name": name, "url": reverse("products:product_detail", kwargs={"pk": pk})}
        for pk, name in qs.order_by("name", "pk").values_list("pk", "name")[:50]
    ]


def category_list() -> list[tuple[str, str, str]]:
    """(slug, name, English name) of the categories that have products, in a stable order."""
    return list(
        Category.objects.filter(products__isnull=False)
        .distinct()
        .order_by("slug")
        .values_list("slug", "name", "name_en")
    )


def region_box(*, code: str) -> list[float] | None:
    """The bounding box of a prefecture or county (its county's for a township)."""
    region = (
        Region.objects.filter(code=code)
        .annotate(
            box=Case(
                When(geom_display__isnull=False, then=Envelope("geom_display")),
                default=Envelope("parent__geom_display"),
            )
        )
        .only("id")
        .first()
    )
    if region is None or region.box is None:
        return None
    return _rounded(region.box.extent)
