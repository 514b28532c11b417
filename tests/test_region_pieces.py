"""Precomputed pieces: county/township boundaries and protected-area outlines, cut small.

``RegionPiece`` (ST_Subdivide of each county and township boundary) answers the site
check's "which county?" and ``ProtectedAreaOutline`` (the area's outline in short
stretches) its distance to the boundary. Both are derived data: built by
``load_regions`` / the area computation, rebuilt when boundaries change, and the site
check must answer exactly what the whole geometries answer.
"""

import json
import random

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.core.management import call_command
from django.db import connection, transaction

from labels.sitecheck import site_check
from products.models import GIProduct, ProtectedAreaOutline
from products.services import SUBDIVIDE_MAX_VERTICES
from regions.models import Region, RegionPiece
from regions.services import PIECE_MAX_VERTICES

pytestmark = pytest.mark.django_db

WUHUA, XUANWEI = "530102", "530381"


def pieces_match_boundary(code: str) -> tuple[float, float, int]:
    """(area of boundary XOR union of its pieces, boundary area, largest piece's vertices)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT ST_Area(ST_SymDifference(r.geom, ST_Union(p.geom))), ST_Area(r.geom),
                   max(ST_NPoints(p.geom))
            FROM regions_region r JOIN regions_regionpiece p ON p.region_id = r.id
            WHERE r.code = %s GROUP BY r.id, r.geom
            """,
            [code],
        )
        return cur.fetchone()


def test_load_regions_builds_pieces_for_every_mapped_county():
    counties = Region.objects.filter(level="county", geom__isnull=False)
    assert counties.count() == 129
    without = counties.exclude(pieces__isnull=False)
    assert list(without.values_list("code", flat=True)) == []
    # No pieces for levels the lookups never ask about.
    assert not RegionPiece.objects.exclude(region__level__in=["county", "township"]).exists()
    for code in (WUHUA, XUANWEI):
        xor, area, largest = pieces_match_boundary(code)
        assert xor < area * 1e-9
        assert largest <= PIECE_MAX_VERTICES


def test_pieces_follow_a_replaced_boundary(tmp_path):
    region = Region.objects.get(code=WUHUA)
    other = RegionPiece.objects.filter(region__code=XUANWEI).count()
    shrunk = region.geom.buffer(-0.001)
    if shrunk.geom_type == "Polygon":
        shrunk = MultiPolygon(shrunk, srid=4326)
    path = tmp_path / "wuhua.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"XZQDM": WUHUA},
                        "geometry": json.loads(shrunk.geojson),
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    call_command("load_regions", file=str(path), level="county", code_field="XZQDM", verbosity=0)
    region.refresh_from_db()
    xor, area, _largest = pieces_match_boundary(WUHUA)
    assert xor < area * 1e-9
    # The pieces are the new boundary's, not the old one's.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_Area(ST_Union(geom)) FROM regions_regionpiece WHERE region_id = %s",
            [region.pk],
        )
        assert cur.fetchone()[0] == pytest.approx(shrunk.area, rel=1e-9)
    assert RegionPiece.objects.filter(region__code=XUANWEI).count() == other


def test_load_regions_heals_missing_pieces():
    RegionPiece.objects.filter(region__code=XUANWEI).delete()
    call_command("load_regions", verbosity=0)  # nothing changed in the sources
    xor, area, _largest = pieces_match_boundary(XUANWEI)
    assert xor < area * 1e-9


@pytest.fixture(scope="module", name="gi_facts")
def gi_facts_fixture(django_db_setup, django_db_blocker):
    """The real GI facts, loaded once for the module and rolled back at its end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_gi_facts", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(name="facts")
def facts_fixture(gi_facts, db):
    return {p.name: p for p in GIProduct.objects.all()}


def test_outline_stretches_are_the_whole_outline(facts):
    """Stretches as long as the outline, every one of them on it, each short."""
    mapped = [p for p in facts.values() if p.area_geom is not None]
    assert mapped
    with connection.cursor() as cur:
        for product in mapped:
            cur.execute(
                """
                SELECT ST_Length(ST_Boundary(g.area_geom)), sum(ST_Length(o.geom)),
                       max(ST_NPoints(o.geom)),
                       bool_and(ST_DWithin(ST_Boundary(g.area_geom), ST_StartPoint(o.geom), 1e-9)
                                AND ST_DWithin(ST_Boundary(g.area_geom), ST_EndPoint(o.geom), 1e-9)
                                AND ST_DWithin(ST_Boundary(g.area_geom),
                                               ST_LineInterpolatePoint(o.geom, 0.5), 1e-9))
                FROM products_giproduct g JOIN products_protectedareaoutline o
                     ON o.product_id = g.id
                WHERE g.id = %s GROUP BY g.id
                """,
                [product.pk],
            )
            whole, stretches, largest, on_outline = cur.fetchone()
            assert stretches == pytest.approx(whole, rel=1e-9), product.name
            assert on_outline, product.name
            assert largest <= SUBDIVIDE_MAX_VERTICES


def test_outline_follows_a_recomputed_area(facts):
    from products.services import products_recompute_areas

    product = facts["宣威火腿"]
    ProtectedAreaOutline.objects.filter(product=product).delete()
    products_recompute_areas(region_codes=[XUANWEI])
    assert ProtectedAreaOutline.objects.filter(product=product).count() > 1


# What the site check answered before the pieces: the whole county boundaries and the
# whole outline of the area (the previous statements' expressions).
REFERENCE_SQL = """
WITH s AS (SELECT ST_GeomFromEWKB(%(site)s) AS g)
SELECT
    (SELECT ST_Length(ST_Scale(ST_ShortestLine(
                ST_Scale(ST_Boundary(a.area_geom), k.f, 1), ST_Scale(s.g, k.f, 1)),
            1 / k.f, 1)::geography)
     FROM products_giproduct a, (SELECT cos(radians(ST_Y(ST_PointOnSurface(s.g)))) AS f) k
     WHERE a.id = %(product)s),
    (SELECT json_agg(json_build_array(x.level, x.code) ORDER BY x.level)
     FROM (SELECT DISTINCT ON (r.level) r.level, r.code
           FROM regions_region r
           WHERE r.level IN ('county', 'township') AND ST_Intersects(r.geom, s.g)
           ORDER BY r.level, CASE WHEN ST_Covers(r.geom, s.g) THEN ST_Area(s.g)
                                  ELSE ST_Area(ST_Intersection(r.geom, s.g)) END DESC,
                    r.code) x),
    (SELECT max(r.code) FROM regions_region r
     WHERE r.level = 'county' AND ST_Covers(r.geom, s.g))
FROM s
"""


def reference(product: GIProduct, geometry) -> tuple[float | None, str | None]:
    with connection.cursor() as cur:
        cur.execute(REFERENCE_SQL, {"site": bytes(geometry.ewkb), "product": product.pk})
        distance, largest, covering = cur.fetchone()
    if geometry.geom_type == "Point":
        return distance, covering
    county = dict(largest or []).get("county")
    return distance, county


@pytest.mark.parametrize("name", ["宣威火腿", "普洱茶"])
@pytest.mark.parametrize("kind", ["point", "polygon"])
def test_site_check_answers_what_whole_geometries_answer(facts, name, kind):
    """Seeded sites over the area's box and a margin around it (inside, outside, in
    other counties and outside Yunnan): county and distance as the whole geometries
    give them."""
    product = facts[name]
    xmin, ymin, xmax, ymax = product.area_geom.extent
    rng = random.Random(f"{name}-{kind}")
    checked = 0
    for _ in range(60 if name == "宣威火腿" else 30):
        x, y = rng.uniform(xmin - 0.1, xmax + 0.1), rng.uniform(ymin - 0.1, ymax + 0.1)
        if kind == "point":
            geometry = Point(x, y, srid=4326)
        else:
            d = rng.choice([0.0005, 0.02, 0.2])
            geometry = Polygon(((x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)), srid=4326)
        distance, county = reference(product, geometry)
        out = site_check(product=product, geometry=geometry)
        assert (out.county or {}).get("code") == county, (x, y)
        if out.position == "crossing":
            assert out.distance_to_boundary_m == 0.0
        else:
            assert out.distance_to_boundary_m == round(distance, 1), (x, y)
        checked += 1
    assert checked >= 30


def test_site_check_on_a_county_border_names_the_same_county(facts):
    """A vertex of the border 宣威市 shares with 沾益区: the answer is the one the whole
    boundaries give, whatever seams the pieces have there."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT ST_AsEWKT((ST_DumpPoints(ST_Intersection(ST_Boundary(a.geom), b.geom))).geom)
            FROM regions_region a, regions_region b
            WHERE a.code = %s AND b.code = '530303' LIMIT 1
            """,
            [XUANWEI],
        )
        point = GEOSGeometry(cur.fetchone()[0])
    _distance, county = reference(facts["宣威火腿"], point)
    out = site_check(product=facts["宣威火腿"], geometry=point)
    assert county in (XUANWEI, "530303")
    assert out.county["code"] == county
    assert out.distance_to_boundary_m == 0.0
