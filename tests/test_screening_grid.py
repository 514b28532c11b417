"""The screening grid answers points exactly as the exact check does.

Over the real counties and GI facts. The sites are fictional: seeded random points
over Yunnan's extent and around the protected areas, points metres either side of
every product's outline (inside and outside the 30 m tolerance), points on the
grid's own cell corners, and the odd ones (polygons, no geometry, off the grid).
"""

import json
import random

import pytest
from django.db import connection

from labels.models import ScreeningClass, ScreeningGrid
from labels.screening import screen_file
from labels.screening.grid import ensure_grid
from regions.coords import YUNNAN_EXTENT
from regions.models import Region

from .test_screening import XUANWEI_CITY, feature, gpkg, point
from .test_sitecheck import facts_fixture, gi_facts_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def outline_points(metres: tuple[float, ...], every: int = 40) -> list[tuple[float, float]]:
    """Points ``m`` metres from every ``every``-th vertex of each product's outline, in
    a random but seeded direction: some inside the area, some outside, some within
    the tolerance of the outline and some beyond it."""
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")
        cur.execute(
            """
            SELECT ST_X(q), ST_Y(q) FROM (
                SELECT ST_Project(d.geom::geography, m, random() * 2 * pi())::geometry AS q
                FROM (SELECT (ST_DumpPoints(geom)).* FROM products_protectedareaoutline) d,
                     unnest(%s::float8[]) m
                WHERE d.path[1] %% %s = 0
            ) t
            """,
            [list(metres), every],
        )
        return cur.fetchall()


def corner_points(grid, count: int) -> list[tuple[float, float]]:
    """Points exactly on cell corners (x0 + i/64, y0 + j/64), where rounding decides
    the cell."""
    rng = random.Random(7)
    n = grid.per_degree
    return [
        (grid.x0 + rng.randrange(grid.columns) / n, grid.y0 + rng.randrange(grid.rows) / n)
        for _ in range(count)
    ]


@pytest.fixture
def grid(facts):
    return ensure_grid(30.0)


@pytest.fixture
def mixed_sites(tmp_path, grid):
    rng = random.Random(42)
    xmin, ymin, xmax, ymax = YUNNAN_EXTENT
    spots = [(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)) for _ in range(3000)]
    spots += outline_points((5.0, 20.0, 29.0, 31.0, 45.0, 80.0, 400.0))
    spots += corner_points(grid, 500)
    spots += [(95.0, 25.0), (110.0, 20.0), (XUANWEI_CITY[1], XUANWEI_CITY[0])]  # off the grid
    features = [feature(f"p{i}", point(x, y)) for i, (x, y) in enumerate(spots)]
    features += [
        feature("field", {"type": "Polygon", "coordinates": [_square(*XUANWEI_CITY, 0.002)]}),
        feature("nothing", None),
        feature("line", {"type": "LineString", "coordinates": [[104.1, 26.2], [104.11, 26.21]]}),
    ]
    return gpkg(tmp_path, features), len(features)


def _square(x, y, r):
    return [[x - r, y - r], [x + r, y - r], [x + r, y + r], [x - r, y + r], [x - r, y - r]]


def lines(report: bytes) -> list:
    """The report's rows in a fixed order (the row order is not specified)."""
    if report.startswith(b"{"):
        features = json.loads(report)["features"]
        return sorted(json.dumps(f, sort_keys=True, ensure_ascii=False) for f in features)
    return sorted(report.splitlines())


@pytest.mark.parametrize("output_format", ["csv", "geojson"])
def test_grid_report_is_the_exact_report(mixed_sites, facts, output_format):
    path, total = mixed_sites
    with_grid, summary = screen_file(path=path, id_field="site_no", output_format=output_format)
    exact, plain = screen_file(
        path=path, id_field="site_no", output_format=output_format, use_grid=False
    )
    assert summary.sites == plain.sites == total
    # The grid answered most of the 3,000 random points; the points near boundaries
    # and every non-point went the exact way.
    assert plain.exact_sites == total
    assert total - summary.exact_sites > 2000
    assert summary.results == plain.results
    assert lines(with_grid) == lines(exact)


def test_grid_report_is_the_exact_report_for_one_product(mixed_sites, facts):
    path, _ = mixed_sites
    product = facts["宣威火腿"]
    with_grid, summary = screen_file(path=path, id_field="site_no", product=product)
    exact, _ = screen_file(path=path, id_field="site_no", product=product, use_grid=False)
    assert summary.sites - summary.exact_sites > 2000
    assert lines(with_grid) == lines(exact)
    assert summary.results["pass"] > 0


def test_a_clear_cell_holds_its_county_and_products(grid, facts):
    """The cell of 宣威 town: county 宣威市 and 宣威火腿's area, nothing crossing it."""
    x, y = XUANWEI_CITY
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {grid.class_sql('p.geom')} "
            "FROM (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS geom) p",
            [x, y],
        )
        number = cur.fetchone()[0]
    answer = ScreeningClass.objects.get(id=number)
    assert answer.county_code == "530381"
    assert facts["宣威火腿"].pk in answer.products
    assert ScreeningGrid.objects.get().mixed > 0


def test_grid_is_rebuilt_when_a_county_boundary_changes(grid, facts):
    assert ensure_grid(30.0, build=False) == grid
    county = Region.objects.get(code="530381")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE regions_region SET geom = ST_Multi(ST_Translate(geom, 0.001, 0)) WHERE id = %s",
            [county.pk],
        )
    assert ensure_grid(30.0, build=False) is None  # stale: not used, not rebuilt
    rebuilt = ensure_grid(30.0)
    assert rebuilt is not None and rebuilt.id != grid.id
    assert ScreeningGrid.objects.count() == 1


def test_a_wider_tolerance_than_the_grid_s_is_not_answered_by_it(grid, facts):
    assert ensure_grid(100.0, build=False) is None
    wider = ensure_grid(100.0)
    assert wider.tolerance_m == 100.0
    # A grid built for 100 m serves 30 m too (its clear cells are clear of more).
    assert ensure_grid(30.0, build=False) == wider


def test_tolerance_band_away_from_county_boundaries(tmp_path, grid, facts):
    """An area whose outline is no county boundary and runs 15 m inside grid lines: a
    block of 4 × 4 cells round 宣威 town, shrunk by 15 m (written straight into the
    derived tables). The cells round the block are clear of its outline but within
    the tolerance of it; points there, 5–60 m beyond the grid line, are within the
    tolerance or just beyond it, and must be answered by the exact check."""
    product = facts["宣威火腿"]
    n, x, y = grid.per_degree, *XUANWEI_CITY
    i, j = int((x - grid.x0) * n), int((y - grid.y0) * n)
    west, south = grid.x0 + i / n, grid.y0 + j / n
    east, north = west + 4 / n, south + 4 / n
    inset = 15 / 111_000  # 15 m north–south; ~17 m east–west at this latitude
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE products_giproduct SET area_geom = ST_Multi(ST_MakeEnvelope(%s, %s, %s, %s, 4326))"
            " WHERE id = %s",
            [west + inset, south + inset, east - inset, north - inset, product.pk],
        )
        cur.execute("DELETE FROM products_protectedareapart WHERE product_id = %s", [product.pk])
        cur.execute("DELETE FROM products_protectedareaoutline WHERE product_id = %s", [product.pk])
        cur.execute(
            """
            INSERT INTO products_protectedareapart (product_id, geom)
            SELECT id, ST_Subdivide(area_geom, 48) FROM products_giproduct WHERE id = %(p)s;
            INSERT INTO products_protectedareaoutline (product_id, geom)
            SELECT id, ST_Subdivide(ST_Boundary(area_geom), 48)
            FROM products_giproduct WHERE id = %(p)s""",
            {"p": product.pk},
        )
    rebuilt = ensure_grid(30.0)
    assert rebuilt.id != grid.id
    spots = []
    for k in range(1, 40):  # along each side, beyond the grid line by 5–60 m
        t = k / 40 * 4 / n
        for beyond in (5, 10, 40, 60, 500):
            d = beyond / 111_000
            spots += [(west + t, south - d), (west + t, north + d)]
            spots += [(west - d, south + t), (east + d, south + t)]
        spots += [(west + t, south + 2 / n)]  # inside
    path = gpkg(tmp_path, [feature(f"b{i}", point(*xy)) for i, xy in enumerate(spots)])
    with_grid, summary = screen_file(path=path, id_field="site_no", product=product)
    exact, plain = screen_file(path=path, id_field="site_no", product=product, use_grid=False)
    assert 0 < summary.exact_sites < summary.sites  # the grid answered the far ones
    reasons = [line.split(b",")[4] for line in exact.splitlines()[1:]]
    assert reasons.count(b"within_tolerance") >= 4 * 39  # the 5 and 10 m ones
    assert lines(with_grid) == lines(exact)
