"""PostGIS site check: is a production site inside the product's protected area?

(First version; the interface is what the rest of labels relies on.)
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.utils import timezone

from products.choices import AreaPrecision

from .choices import CheckResult


@dataclass
class SiteCheckResult:
    result: str
    inside_fraction: float | None = None
    distance_to_boundary_m: float | None = None
    county: dict | None = None
    township: dict | None = None
    outside: GEOSGeometry | None = None
    overlaps: list = field(default_factory=list)
    reasons: list = field(default_factory=list)  # [{"code", "zh", "en"}]


def site_check(
    *, product, geometry: GEOSGeometry, tolerance_m: float | None = None
) -> SiteCheckResult:
    tolerance_m = settings.GIRREPO_SITE_TOLERANCE_M if tolerance_m is None else tolerance_m
    if product.area_precision != AreaPrecision.EXACT or product.area_geom is None:
        return SiteCheckResult(
            result=CheckResult.MANUAL,
            reasons=[
                {
                    "code": "area_not_exact",
                    "zh": "保护范围没有精确边界，需人工核实。",
                    "en": "The protected area has no exact boundary: verify by hand.",
                }
            ],
        )
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT ST_Covers(a, g),
                   ST_DWithin(g::geography, a::geography, %s)
                   AND ST_Covers(ST_Buffer(a::geography, %s)::geometry, g)
            FROM (SELECT area_geom a, ST_GeomFromEWKB(%s) g FROM products_giproduct WHERE id = %s) q
            """,
            [tolerance_m, tolerance_m, bytes(geometry.ewkb), product.pk],
        )
        covered, within_tolerance = cur.fetchone()
    if covered or within_tolerance:
        return SiteCheckResult(result=CheckResult.PASS, inside_fraction=1.0 if covered else None)
    return SiteCheckResult(
        result=CheckResult.FAIL,
        reasons=[
            {
                "code": "outside",
                "zh": "地块在保护范围之外。",
                "en": "The site lies outside the protected area.",
            }
        ],
    )


def application_site_check(*, application) -> str:
    """Check every site of ``application``, store each result and the overall one."""
    results = []
    for site in application.sites.all():
        if application.product_id is None:
            outcome = SiteCheckResult(result=CheckResult.MANUAL)
        else:
            outcome = site_check(product=application.product, geometry=site.geom)
        site.check_result = outcome.result
        site.check_details = {
            "reasons": outcome.reasons,
            "inside_fraction": outcome.inside_fraction,
        }
        site.save(update_fields=["check_result", "check_details", "last_updated"])
        results.append(outcome.result)
    if not results or CheckResult.FAIL in results:
        overall = CheckResult.FAIL if results else CheckResult.MANUAL
    elif CheckResult.MANUAL in results:
        overall = CheckResult.MANUAL
    else:
        overall = CheckResult.PASS
    application.site_check_result = overall
    application.site_check_at = timezone.now()
    application.save(update_fields=["site_check_result", "site_check_at", "last_updated"])
    return overall
