"""Writes to the GI product registers (HackSoft-style services: keyword-only, typed).

The protected area's geometry is computed in PostGIS, never in Python: the
union of the units' boundaries (a township without one borrows its county's),
a simplified copy for maps, and the ``ST_Subdivide`` parts that containment
checks use. ``product_set_area`` and ``products_recompute_areas`` are the only
ways those columns change.
"""

from collections.abc import Iterable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from pypinyin import lazy_pinyin

from regions.models import Region

from .choices import AreaPrecision, MatchedBy, ProductStatus, UnitBoundary
from .matching import AreaNameMatch
from .models import GIProduct, ProtectedAreaOutline, ProtectedAreaPart, ProtectedAreaUnit
from .models.products import DERIVED_AREA_FIELDS

# ~100 m at Yunnan's latitude, like the regions' display boundaries.
DISPLAY_TOLERANCE_DEG = 0.001
# Vertices per part and outline stretch: small enough that a value stays inline in
# its row (see regions.services.PIECE_MAX_VERTICES: a toasted one is unpacked on
# every test), large enough that an area becomes hundreds of parts, not thousands.
SUBDIVIDE_MAX_VERTICES = 48

_PRODUCT = GIProduct._meta.db_table
_UNIT = ProtectedAreaUnit._meta.db_table
_PART = ProtectedAreaPart._meta.db_table
_OUTLINE = ProtectedAreaOutline._meta.db_table
_REGION = Region._meta.db_table


def default_pinyin(name: str) -> str:
    """Toneless pinyin, one syllable per character: 普洱茶 -> "pu er cha"."""
    return " ".join(lazy_pinyin(name, errors="ignore"))


def product_save(*, product: GIProduct) -> GIProduct:
    """Validate and save a product; the pinyin is filled in from the name when blank."""
    if not product.name_pinyin:
        product.name_pinyin = default_pinyin(product.name)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_set_status(
    *,
    product: GIProduct,
    status: str,
    reason: str,
    user: AbstractBaseUser | None = None,
) -> GIProduct:
    """Change the protection status; the history row records who, when and why."""
    if status not in ProductStatus.values:
        raise ValueError(f"unknown status {status!r}")
    product.status = status
    product._change_reason = reason
    if user is not None:
        product._history_user = user
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_set_area(
    *,
    product: GIProduct,
    units: Sequence[Region | AreaNameMatch],
    area_text: str,
    unmatched: Iterable[str],
    units_contain_area: bool | None = None,
    area_note: str | None = None,
) -> GIProduct:
    """Replace the product's protected area and recompute its geometry, all or nothing.

    ``units`` are regions, or matches from :func:`products.matching.match_area_names`
    (which keep the announced wording and how the match was made). A unit that
    was already linked keeps its recorded wording unless a match gives a new one.
    ``unmatched`` names are kept and shown; they are never dropped.
    """
    product.area_text = area_text
    product.area_unmatched = list(dict.fromkeys(n.strip() for n in unmatched if n.strip()))
    if units_contain_area is not None:
        product.area_units_contain_area = units_contain_area
    if area_note is not None:
        product.area_note = area_note
    product.full_clean()
    if product._state.adding or _area_fields_changed(product):
        product.save()

    existing = {u.region_id: u for u in product.area_units.all()}
    wanted: set[int] = set()
    for item in units:
        region = item.region if isinstance(item, AreaNameMatch) else item
        if region.pk in wanted:
            continue
        wanted.add(region.pk)
        unit = existing.get(region.pk)
        if unit is None:
            unit = ProtectedAreaUnit(
                product=product,
                region=region,
                text_as_announced=region.name,
                matched_by=MatchedBy.MANUAL,
            )
        recorded = (unit.text_as_announced, unit.matched_by)
        if isinstance(item, AreaNameMatch):
            unit.text_as_announced, unit.matched_by = item.text, item.matched_by
        unit.full_clean(exclude=["product"])
        # Unchanged units are not saved again, so their history stays quiet.
        if unit._state.adding or recorded != (unit.text_as_announced, unit.matched_by):
            unit.save()
    for region_id, unit in existing.items():
        if region_id not in wanted:
            unit.delete()

    products_compute_areas(product_ids=[product.pk])
    product.refresh_from_db(fields=[*DERIVED_AREA_FIELDS, "area_precision"])
    return product


_AREA_FIELDS = ("area_text", "area_unmatched", "area_units_contain_area", "area_note")


def _area_fields_changed(product: GIProduct) -> bool:
    # Re-saving an unchanged area (admin, load_gi_facts) must not add history rows.
    stored = GIProduct.objects.filter(pk=product.pk).values(*_AREA_FIELDS).first()
    return stored != {f: getattr(product, f) for f in _AREA_FIELDS}


@transaction.atomic
def products_recompute_areas(*, region_codes: Iterable[str]) -> list[int]:
    """Recompute every product whose area depends on these regions' boundaries.

    A product depends on a region when one of its units is that region or lies
    below it (a township whose county stands in for it, or a county under a
    reloaded prefecture). Returns the ids of the products recomputed.
    """
    codes = sorted(set(region_codes))
    if not codes:
        return []
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT DISTINCT u.product_id
            FROM {_UNIT} u
            JOIN {_REGION} r ON r.id = u.region_id
            JOIN {_REGION} c ON c.code = ANY(%s)
                AND r.tree_id = c.tree_id AND r.lft >= c.lft AND r.rght <= c.rght
            ORDER BY u.product_id
            """,
            [codes],
        )
        ids = [row[0] for row in cur.fetchall()]
    products_compute_areas(product_ids=ids)
    return ids


@transaction.atomic
def products_compute_areas(*, product_ids: Sequence[int]) -> None:
    """Recompute geometry, precision and parts of these products from their units."""
    ids = list(product_ids)
    if not ids:
        return
    with connection.cursor() as cur:
        # Which boundary each unit contributes: its own, its county's, or none.
        cur.execute(
            f"""
            UPDATE {_UNIT} u SET boundary = CASE
                WHEN r.geom IS NOT NULL THEN %(own)s
                WHEN r.level = 'township' AND p.geom IS NOT NULL THEN %(county)s
                ELSE %(none)s END
            FROM {_REGION} r LEFT JOIN {_REGION} p ON p.id = r.parent_id
            WHERE r.id = u.region_id AND u.product_id = ANY(%(ids)s)
            """,
            {
                "own": UnitBoundary.OWN,
                "county": UnitBoundary.COUNTY,
                "none": UnitBoundary.NONE,
                "ids": ids,
            },
        )
        # The union of the distinct boundaries used (thirteen townships of one
        # county add that county once), and everything derived from it, in one
        # statement: geometry and precision never disagree, even mid-transaction.
        cur.execute(
            f"""
            WITH area AS (
                SELECT g.id, (
                    SELECT ST_Multi(ST_CollectionExtract(ST_Union(src.geom), 3))
                    FROM (
                        SELECT DISTINCT ON (s.id) s.geom
                        FROM {_UNIT} u
                        JOIN {_REGION} r ON r.id = u.region_id
                        JOIN {_REGION} s ON s.id = CASE
                            WHEN r.geom IS NOT NULL THEN r.id
                            WHEN r.level = 'township' THEN r.parent_id END
                        WHERE u.product_id = g.id AND s.geom IS NOT NULL
                        ORDER BY s.id
                    ) src
                ) AS geom
                FROM {_PRODUCT} g
                WHERE g.id = ANY(%(ids)s)
            )
            UPDATE {_PRODUCT} g SET
                area_geom = area.geom,
                area_display = ST_Multi(ST_SimplifyPreserveTopology(area.geom, %(tol)s)),
                area_label_point = ST_PointOnSurface(area.geom),
                area_km2 = ST_Area(area.geom::geography) / 1e6,
                area_computed = now(),
                area_precision = CASE
                    WHEN area.geom IS NULL THEN %(not_mapped)s
                    WHEN g.area_units_contain_area
                        OR cardinality(g.area_unmatched) > 0
                        OR EXISTS (
                            SELECT 1 FROM {_UNIT} u
                            WHERE u.product_id = g.id AND u.boundary <> %(own)s
                        )
                    THEN %(approximate)s
                    ELSE %(exact)s END
            FROM area
            WHERE g.id = area.id
            """,
            {
                "tol": DISPLAY_TOLERANCE_DEG,
                "not_mapped": AreaPrecision.NOT_MAPPED,
                "approximate": AreaPrecision.APPROXIMATE,
                "exact": AreaPrecision.EXACT,
                "own": UnitBoundary.OWN,
                "ids": ids,
            },
        )
        cur.execute(f"DELETE FROM {_PART} WHERE product_id = ANY(%s)", [ids])
        cur.execute(
            f"""
            INSERT INTO {_PART} (product_id, geom)
            SELECT g.id, (ST_Dump(s.geom)).geom
            FROM {_PRODUCT} g, LATERAL ST_Subdivide(g.area_geom, %s) AS s(geom)
            WHERE g.id = ANY(%s) AND g.area_geom IS NOT NULL
            """,
            [SUBDIVIDE_MAX_VERTICES, ids],
        )
        # The outline in short indexed stretches, for the site check's boundary distance.
        cur.execute(f"DELETE FROM {_OUTLINE} WHERE product_id = ANY(%s)", [ids])
        cur.execute(
            f"""
            INSERT INTO {_OUTLINE} (product_id, geom)
            SELECT g.id, (ST_Dump(s.geom)).geom
            FROM {_PRODUCT} g, LATERAL ST_Subdivide(ST_Boundary(g.area_geom), %s) AS s(geom)
            WHERE g.id = ANY(%s) AND g.area_geom IS NOT NULL
            """,
            [SUBDIVIDE_MAX_VERTICES, ids],
        )
