"""PostGIS site check: does a production site lie inside the product's protected area?

One statement per site answers everything at once: the fraction inside, the part
outside, the distance to the boundary, the county and township, and overlaps with
other producers' approved sites. Every spatial test reads small precomputed,
GiST-indexed pieces, never a whole outline: ``ProtectedAreaPart`` for the area,
``ProtectedAreaOutline`` for the distance, ``RegionPiece`` for the county and
township. Python only turns those numbers into a verdict and reasons in Chinese and
English.

The verdict never guesses. An approximate area (a county standing in for
townships without boundaries) or an unmapped one gives ``manual``; only a site
outside even the stand-in is ``fail``, because the stand-in contains the true area.
"""

import json
from dataclasses import dataclass, field, fields

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.utils import timezone

from producers.models import Producer
from products.choices import AreaPrecision
from products.models import GIProduct

from ..choices import CheckResult
from ..models import Application
from .reasons import INPUT_ERRORS, REASONS, SiteInputError, reason
from .sql import METRES_PER_DEGREE_MIN, measure

__all__ = [
    "INPUT_ERRORS",
    "METRES_PER_DEGREE_MIN",
    "REASONS",
    "SITE_TYPES",
    "SiteCheckResult",
    "SiteInputError",
    "application_product",
    "application_site_check",
    "overall_result",
    "reason",
    "site_check",
    "site_check_reference",
]

SITE_TYPES = ("Point", "Polygon", "MultiPolygon")
# An outside part smaller than this is numerical noise along the parts' seams.
OUTSIDE_NOISE_M2 = 0.01


@dataclass
class SiteCheckResult:
    """The verdict on one site and the facts behind it (all JSON-serializable)."""

    result: str
    inside_fraction: float | None = None
    distance_to_boundary_m: float | None = None
    # Where the site lies relative to the boundary: inside, outside or crossing.
    position: str | None = None
    county: dict | None = None  # {"code", "name"}
    township: dict | None = None
    outside: dict | None = None  # GeoJSON geometry of the part outside; None when inside
    outside_m2: float | None = None
    overlaps: list = field(default_factory=list)  # [{application, producer, product, overlap_m2}]
    reasons: list = field(default_factory=list)  # [{"code", "zh", "en"}]
    tolerance_m: float | None = None
    area_precision: str | None = None

    def as_dict(self) -> dict:
        # Shallow: every value is already plain JSON (asdict's deep copy costs more
        # than the rest of a public request's Python work).
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def outside_geometry(self) -> GEOSGeometry | None:
        return GEOSGeometry(json.dumps(self.outside), srid=4326) if self.outside else None


def _site_geometry(geometry: GEOSGeometry) -> tuple[GEOSGeometry, str]:
    """The site in WGS-84 and its type; raises :class:`SiteInputError` if it is no site."""
    kind = geometry.geom_type if geometry is not None else "None"
    if kind not in SITE_TYPES:
        raise SiteInputError("unsupported_geometry_type", field="geometry", type=kind)
    srid = geometry.srid
    if srid is None:
        geometry = geometry.clone()
        geometry.srid = 4326
    elif srid != 4326:
        geometry = geometry.transform(4326, clone=True)
    if geometry.empty:
        raise SiteInputError("empty_geometry", field="geometry")
    if kind != "Point" and not geometry.valid:  # a non-empty point is always valid
        reason_text = geometry.valid_reason
        code = "self_intersection" if "Self-intersection" in reason_text else "invalid_geometry"
        raise SiteInputError(code, field="geometry", detail=reason_text)
    return geometry, kind


def _regions(rows) -> tuple[dict | None, dict | None]:
    found = {level: {"code": code, "name": name} for level, code, name in rows or ()}
    return found.get("county"), found.get("township")


def _pk(value) -> int | None:
    return getattr(value, "pk", value)


def site_check(
    *,
    product: GIProduct | None,
    geometry: GEOSGeometry,
    tolerance_m: float | None = None,
    exclude_application: Application | int | None = None,
    producer: Producer | int | None = None,
) -> SiteCheckResult:
    """Check one site (Point, Polygon or MultiPolygon, WGS-84) against ``product``'s area.

    ``producer`` (the applicant) and ``exclude_application`` keep the applicant's
    own sites out of the overlap list. Raises :class:`SiteInputError` for a
    geometry that is not a valid site. The product's precision is read afresh.
    """
    _found, out = _check(
        product_id=product.pk if product is not None else None,
        product_name=None,
        geometry=geometry,
        tolerance_m=tolerance_m,
        producer_id=_pk(producer),
        exclude=_pk(exclude_application),
    )
    return out


def site_check_reference(
    *, product: int | str, geometry: GEOSGeometry, tolerance_m: float | None = None
) -> tuple[dict, SiteCheckResult]:
    """The public check: ``product`` is an id or an exact name, resolved in the same
    statement as the check (one database round trip). Returns ``({"id", "name"}, result)``.
    """
    if isinstance(product, bool) or product in (None, ""):
        raise SiteInputError("required", field="product")
    product_id = product_name = None
    if isinstance(product, int) or (isinstance(product, str) and product.strip().isdigit()):
        product_id = int(product)
        if not 0 < product_id < 2**63:
            raise SiteInputError("unknown_product", field="product", value=repr(str(product)))
    elif isinstance(product, str):
        product_name = product.strip()
    else:
        raise SiteInputError("unknown_product", field="product", value=repr(str(product)[:40]))
    found, out = _check(
        product_id=product_id,
        product_name=product_name,
        geometry=geometry,
        tolerance_m=tolerance_m,
        producer_id=None,
        exclude=None,
    )
    if not found:
        raise SiteInputError("unknown_product", field="product", value=repr(str(product)[:40]))
    if len(found) > 1:
        ids = ", ".join(str(row[0]) for row in sorted(found))
        raise SiteInputError("ambiguous_product", field="product", value=repr(product), ids=ids)
    return {"id": found[0][0], "name": found[0][1]}, out


def _check(*, product_id, product_name, geometry, tolerance_m, producer_id, exclude):
    geometry, kind = _site_geometry(geometry)
    tolerance_m = settings.GIRREPO_SITE_TOLERANCE_M if tolerance_m is None else tolerance_m
    row = measure(
        product_id=product_id,
        product_name=product_name,
        geometry=geometry,
        is_point=kind == "Point",
        tolerance_m=tolerance_m,
        producer_id=producer_id,
        exclude=exclude,
    )
    found, fraction, outside_json, outside_m2, band_ok, distance, regions, overlaps, unmapped = row
    found = found or []
    _id, _name, precision, unmatched = min(found) if found else (None, None, None, [])
    county, township = _regions(regions)
    out = SiteCheckResult(
        result=CheckResult.MANUAL,
        county=county,
        township=township,
        overlaps=[dict(o) for o in overlaps],
        tolerance_m=tolerance_m,
        area_precision=precision,
    )
    if not found or precision == AreaPrecision.NOT_MAPPED:
        out.reasons.append(reason("area_not_mapped" if found else "no_product"))
        return found, _with_overlaps(out)

    is_point = kind == "Point"
    out.distance_to_boundary_m = round(distance, 1) if distance is not None else None
    if is_point:
        inside = fraction >= 1.0
        out.inside_fraction = 1.0 if inside else 0.0
        out.position = "inside" if inside else "outside"
        covered = inside or (distance is not None and distance <= tolerance_m)
    else:
        if outside_m2 is not None and outside_m2 < OUTSIDE_NOISE_M2:
            outside_json, outside_m2 = None, 0.0
        out.inside_fraction = round(min(max(fraction, 0.0), 1.0), 6)
        out.outside = json.loads(outside_json) if outside_json else None
        out.outside_m2 = round(outside_m2, 1) if outside_m2 is not None else None
        if out.outside is None:
            out.position, out.inside_fraction = "inside", 1.0
        elif out.inside_fraction == 0.0:
            out.position = "outside"
        else:
            out.position, out.distance_to_boundary_m = "crossing", 0.0
        covered = out.outside is None or bool(band_ok)
    fully_inside = out.position == "inside"
    exact = precision == AreaPrecision.EXACT

    if covered:
        out.result = CheckResult.PASS if exact else CheckResult.MANUAL
        if fully_inside:
            out.reasons.append(reason("inside", distance=out.distance_to_boundary_m))
        else:
            out.reasons.append(
                reason(
                    "within_tolerance", distance=out.distance_to_boundary_m, tolerance=tolerance_m
                )
            )
        if not exact:
            out.reasons.append(reason("area_approximate"))
        return found, _with_overlaps(out)

    # Outside beyond the tolerance. Outside a stand-in is outside the true area too,
    # unless part of the announced area has no boundary at all.
    if not exact and (unmapped or unmatched):
        out.reasons.append(reason("area_partly_unmapped"))
        return found, _with_overlaps(out)
    out.result = CheckResult.FAIL
    min_fraction = getattr(settings, "GIRREPO_SITE_MIN_INSIDE_FRACTION", 0.5)
    if is_point or out.position == "outside":
        out.reasons.append(reason("outside", distance=out.distance_to_boundary_m))
    elif out.inside_fraction < min_fraction:
        out.reasons.append(reason("mostly_outside", percent=round(out.inside_fraction * 100, 1)))
    else:
        out.reasons.append(reason("straddles", area=out.outside_m2, tolerance=tolerance_m))
    if not exact:
        out.reasons.append(reason("outside_stand_in"))
    return found, _with_overlaps(out)


def _with_overlaps(out: SiteCheckResult) -> SiteCheckResult:
    """Land another producer already holds for an approved label needs a person's look."""
    if out.overlaps:
        out.reasons.append(reason("overlaps_other_producer", count=len(out.overlaps)))
        if out.result == CheckResult.PASS:
            out.result = CheckResult.MANUAL
    return out


def overall_result(results) -> str:
    """Any fail ⇒ fail; else any manual ⇒ manual; else pass. No sites ⇒ manual."""
    results = list(results)
    if CheckResult.FAIL in results:
        return CheckResult.FAIL
    if not results or CheckResult.MANUAL in results:
        return CheckResult.MANUAL
    return CheckResult.PASS


def application_product(application: Application) -> GIProduct | None:
    """The product whose area the sites must lie in: the product, or the mark's only one."""
    if application.product_id:
        return application.product
    if application.mark_id:
        products = list(application.mark.related_products.all()[:2])
        if len(products) == 1:
            return products[0]
    return None


def application_site_check(*, application: Application) -> str:
    """Check every site of ``application``; store each result and the overall one."""
    product = application_product(application)
    results = []
    for site in application.sites.all():
        try:
            outcome = site_check(
                product=product,
                geometry=site.geom,
                exclude_application=application.pk,
                producer=application.producer_id,
            )
        except SiteInputError as exc:
            outcome = SiteCheckResult(result=CheckResult.FAIL, reasons=[exc.as_reason()])
        site.check_result = outcome.result
        site.check_details = outcome.as_dict()
        site.save(update_fields=["check_result", "check_details", "last_updated"])
        results.append(outcome.result)
    application.site_check_result = overall_result(results)
    application.site_check_at = timezone.now()
    application.save(update_fields=["site_check_result", "site_check_at", "last_updated"])
    return application.site_check_result
