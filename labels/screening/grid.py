"""The screening grid: cells of Yunnan whose answer is known before any site arrives.

Most of a million sites lie far from every county and protected-area boundary. For
a square cell that no boundary crosses, every point in it gets the same answer: the
one county whose interior holds the whole cell (or none, when no county touches
it), and the products whose area holds the whole cell in its interior, while every
other product's area, widened by the tolerance exactly as the exact check widens
it, stays clear of the cell. Such a point is answered by arithmetic on its
coordinates and one hash lookup; only points in the cells that a boundary crosses
(and every polygon site) go through the exact, polygon-driven check. Both give the
same report (tested on points near every kind of boundary).

The grid is derived data. ``ensure_grid`` builds it when the county boundaries or
protected-area parts it was built from have changed (a digest of their geometries
says so), so it never answers from stale boundaries. It is built coarse to fine:
cells of 1/8° are classified with polygon-driven, index-backed tests; the crossed
ones are split in four, down to 1/64° (~1.6 km); a clear cell of any size is
stored as its 1/64° cells.
"""

import math
from dataclasses import dataclass

from django.db import connection, transaction

from products.models import GIProduct, ProtectedAreaOutline, ProtectedAreaPart
from regions.models import Region

from ..models import ScreeningClass, ScreeningGrid
from ..sitecheck import METRES_PER_DEGREE_MIN

CELLS_PER_DEGREE = 64
COARSE = 8  # the first level's cells: 8 × 8 finest cells (1/8°)
# Cells are tested slightly enlarged, so a point that rounding puts in a cell it
# touches only at an edge is still in the cell the tests vouched for.
MARGIN_DEG = 1e-9
# Advisory lock: taken exclusively to (re)build the grid, shared by every lane reading it.
GRID_LOCK = 0x6769_7267

_CLASS = ScreeningClass._meta.db_table
_GRID = ScreeningGrid._meta.db_table
_PART = ProtectedAreaPart._meta.db_table
_PRODUCT = GIProduct._meta.db_table
_REGION = Region._meta.db_table
_OUTLINE = ProtectedAreaOutline._meta.db_table

FINGERPRINT_SQL = f"""
SELECT md5(concat_ws('|',
    (SELECT string_agg(code || md5(ST_AsEWKB(geom)), ',' ORDER BY code)
     FROM {_REGION} WHERE level = 'county' AND geom IS NOT NULL),
    (SELECT string_agg(product_id || md5(ST_AsEWKB(geom)), ',' ORDER BY id) FROM {_PART}),
    (SELECT string_agg(id || md5(ST_AsEWKB(area_geom)), ',' ORDER BY id)
     FROM {_PRODUCT} WHERE area_geom IS NOT NULL)))
"""


@dataclass(frozen=True)
class Grid:
    """A built grid, as the screening statements read it."""

    id: int
    x0: float
    y0: float
    columns: int
    rows: int
    per_degree: int
    tolerance_m: float

    def class_sql(self, geom: str) -> str:
        """The ``ScreeningClass`` of point ``geom``: 0 when its cell needs the exact
        check, 1 off the grid. The cells are read once per statement (an InitPlan),
        detoasted by the concatenation; ``get_byte`` then costs nothing."""
        n, size = self.per_degree, self.columns * self.rows
        # A box a little inside the grid (its outer cells hold no county and no
        # area): the index operator's single-precision rounding cannot let a point
        # off the grid through to a negative cell number.
        box = (
            self.x0 + 1e-4,
            self.y0 + 1e-4,
            self.x0 + self.columns / n - 1e-4,
            self.y0 + self.rows / n - 1e-4,
        )
        key = (
            f"floor((ST_X({geom}) - {self.x0!r}) * {n})::int * {self.rows} "
            f"+ floor((ST_Y({geom}) - {self.y0!r}) * {n})::int"
        )
        return (
            f"get_byte((SELECT cells || '\\x'::bytea FROM {_GRID} WHERE id = {self.id}), "
            f"CASE WHEN GeometryType({geom}) = 'POINT' AND {geom} && ST_MakeEnvelope("
            f"{', '.join(repr(v) for v in box)}, 4326) THEN {key} ELSE {size} END)"
        )


def ensure_grid(tolerance_m: float, build: bool = True) -> Grid | None:
    """The grid for the current boundaries, built first if they have changed.

    None when the grid cannot stand in for the exact check: no counties loaded,
    the tolerance is wider than the one the grid was built for, or the grid is out
    of date and ``build`` is false.
    """
    with connection.cursor() as cur:
        cur.execute(FINGERPRINT_SQL)
        fingerprint = cur.fetchone()[0]
    if fingerprint is None:
        return None
    state = ScreeningGrid.objects.first()
    if state is None or state.fingerprint != fingerprint or state.tolerance_m < tolerance_m:
        if not build:
            return None
        state = build_grid(fingerprint, max(tolerance_m, state.tolerance_m if state else 0))
    if state is None or state.tolerance_m < tolerance_m:
        return None
    return Grid(
        id=state.pk,
        x0=state.x0,
        y0=state.y0,
        columns=state.columns,
        rows=state.rows,
        per_degree=state.cells_per_degree,
        tolerance_m=state.tolerance_m,
    )


def hold_grid(cur, grid: Grid) -> Grid | None:
    """Keep ``grid`` from being rebuilt until ``cur``'s transaction ends (a rebuild
    takes the lock exclusively); None if it was rebuilt in the meantime."""
    cur.execute("SELECT pg_advisory_xact_lock_shared(%s)", [GRID_LOCK])
    cur.execute(f"SELECT EXISTS (SELECT 1 FROM {_GRID} WHERE id = %s)", [grid.id])
    return grid if cur.fetchone()[0] else None


@transaction.atomic
def build_grid(fingerprint: str, tolerance_m: float) -> ScreeningGrid | None:
    """Classify the grid's cells coarse to fine and store the clear ones."""
    n, tol_deg = CELLS_PER_DEGREE, tolerance_m / METRES_PER_DEGREE_MIN
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [GRID_LOCK])
        state = ScreeningGrid.objects.first()
        fresh = state is not None and state.fingerprint == fingerprint
        if fresh and state.tolerance_m >= tolerance_m:
            return state  # another process built it while this one waited
        cur.execute(
            f"""SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
                SELECT ST_Extent(g)::box2d AS e FROM (
                    SELECT geom AS g FROM {_REGION} WHERE level = 'county'
                    UNION ALL SELECT ST_Expand(geom, %s) FROM {_PART}) t) u""",
            [2 * tol_deg],
        )
        xmin, ymin, xmax, ymax = cur.fetchone()
        if xmin is None:
            return None
        # One cell of room on every side; edges on whole cells (exact in binary).
        x0, y0 = math.floor(xmin * n) / n - 1 / n, math.floor(ymin * n) / n - 1 / n
        columns = math.ceil((xmax - x0) * n) + 1
        rows = math.ceil((ymax - y0) * n) + 1
        cur.execute("SET LOCAL jit = off")
        cur.execute("SET LOCAL work_mem = '256MB'")
        ScreeningClass.objects.all().delete()
        ScreeningGrid.objects.all().delete()
        # ON COMMIT DROP; dropped first as well, for a second build in one transaction.
        cur.execute("DROP TABLE IF EXISTS grid_answer, grid_todo, grid_outline")
        cur.execute(
            "CREATE TEMP TABLE grid_answer (key int, county_code text, products int[]) "
            "ON COMMIT DROP"
        )
        cur.execute("CREATE TEMP TABLE grid_todo (i int, j int, s int) ON COMMIT DROP")
        cur.execute(
            "INSERT INTO grid_todo SELECT i, j, %s FROM generate_series(0, %s, %s) i, "
            "generate_series(0, %s, %s) j",
            [COARSE, columns - 1, COARSE, rows - 1, COARSE],
        )
        # Every county's outline in stretches of at most 256 vertices, indexed.
        cur.execute(
            f"""CREATE TEMP TABLE grid_outline ON COMMIT DROP AS
            SELECT ST_Subdivide(ST_Boundary(geom), 256) AS geom
            FROM {_REGION} WHERE level = 'county' AND geom IS NOT NULL"""
        )
        cur.execute("CREATE INDEX ON grid_outline USING gist (geom)")
        cur.execute("ANALYZE grid_outline")
        mixed = 0
        size = COARSE
        while size >= 1:
            mixed = _classify_level(cur, x0, y0, n, rows, columns, tol_deg, size)
            size //= 2
        cells = _classes_and_cells(cur, columns * rows)
        if cells is None:
            return None
        return ScreeningGrid.objects.create(
            cells=cells,
            fingerprint=fingerprint,
            tolerance_m=tolerance_m,
            cells_per_degree=n,
            x0=x0,
            y0=y0,
            columns=columns,
            rows=rows,
            mixed=mixed,
        )


def _classify_level(cur, x0, y0, n, rows, columns, tol_deg, size) -> int:
    """Store the clear cells of ``grid_todo`` (all of size ``size``); leave their
    crossed ones, split in four, as the next level's ``grid_todo``. Returns how many
    were crossed.

    A cell is crossed when a county outline runs through it, or a protected area's
    outline within twice the tolerance (a mitred buffer reaches no further). A clear
    cell lies wholly in one county's interior or in none, and wholly inside or
    outside each area: its centre says which.
    """
    cur.execute("DROP TABLE IF EXISTS grid_cell")
    cur.execute(
        f"""CREATE TEMP TABLE grid_cell ON COMMIT DROP AS
        SELECT i, j, ST_Expand(ST_MakeEnvelope(
            %(x0)s + i::float8 / {n}, %(y0)s + j::float8 / {n},
            %(x0)s + (i + s)::float8 / {n}, %(y0)s + (j + s)::float8 / {n}, 4326),
            {MARGIN_DEG}) AS geom
        FROM grid_todo""",
        {"x0": x0, "y0": y0},
    )
    cur.execute(
        f"""CREATE TEMP TABLE grid_verdict ON COMMIT DROP AS
        SELECT g.i, g.j, NOT (
            EXISTS (SELECT 1 FROM grid_outline o
                    WHERE o.geom && g.geom AND ST_Intersects(o.geom, g.geom))
            OR EXISTS (SELECT 1 FROM {_OUTLINE} o WHERE ST_DWithin(o.geom, g.geom, %(band)s))
        ) AS clear, ST_Centroid(g.geom) AS centre
        FROM grid_cell g""",
        {"band": 2 * tol_deg},
    )
    # The clear cells' centres, looked up polygon-driven (each outline prepared once).
    cur.execute("DROP TABLE IF EXISTS grid_clear")
    cur.execute(
        "CREATE TEMP TABLE grid_clear ON COMMIT DROP AS "
        "SELECT i, j, centre FROM grid_verdict WHERE clear"
    )
    cur.execute("CREATE INDEX ON grid_clear USING gist (centre)")
    cur.execute("ANALYZE grid_clear")
    cur.execute(
        f"""INSERT INTO grid_answer (key, county_code, products)
        WITH county AS (
            SELECT v.i, v.j, min(c.code) AS code
            FROM {_REGION} c CROSS JOIN LATERAL (
                SELECT v.i, v.j FROM grid_clear v WHERE ST_Covers(c.geom, v.centre) OFFSET 0) v
            WHERE c.level = 'county'
            GROUP BY v.i, v.j
        ),
        inside AS (
            SELECT v.i, v.j, array_agg(DISTINCT q.product_id ORDER BY q.product_id) AS products
            FROM {_PART} q CROSS JOIN LATERAL (
                SELECT v.i, v.j FROM grid_clear v WHERE ST_Covers(q.geom, v.centre) OFFSET 0) v
            GROUP BY v.i, v.j
        )
        SELECT (v.i + a) * {rows} + (v.j + b), coalesce(k.code, ''), p.products
        FROM grid_clear v LEFT JOIN county k USING (i, j) LEFT JOIN inside p USING (i, j),
             generate_series(0, {size} - 1) a, generate_series(0, {size} - 1) b
        WHERE v.i + a < {columns} AND v.j + b < {rows}"""
    )
    cur.execute("TRUNCATE grid_todo")
    half = size // 2
    if half:
        cur.execute(
            f"""INSERT INTO grid_todo
            SELECT v.i + a * {half}, v.j + b * {half}, {half}
            FROM grid_verdict v, generate_series(0, 1) a, generate_series(0, 1) b
            WHERE NOT v.clear AND v.i + a * {half} < {columns} AND v.j + b * {half} < {rows}"""
        )
    cur.execute("SELECT count(*) FROM grid_verdict WHERE NOT clear")
    crossed = cur.fetchone()[0]
    cur.execute("DROP TABLE grid_verdict")
    return crossed


def _classes_and_cells(cur, size: int) -> bytes | None:
    """Number the distinct answers (class 1: no county, no product) and write the
    cells' classes as one byte each, plus class 1 for off the grid. None when there
    are more answers than a byte can number."""
    cur.execute(
        f"""INSERT INTO {_CLASS} (id, county_code, products)
        SELECT 1 + row_number() OVER (ORDER BY county_code, products), county_code, products
        FROM (SELECT DISTINCT county_code, products FROM grid_answer
              WHERE county_code <> '' OR products IS NOT NULL) t"""
    )
    if cur.rowcount > 254:
        return None
    cur.execute(f"INSERT INTO {_CLASS} (id, county_code, products) VALUES (1, '', NULL)")
    cur.execute(
        f"""SELECT decode(string_agg(lpad(to_hex(coalesce(k.id, 0)), 2, '0'), '' ORDER BY g.key)
                          || '01', 'hex')
        FROM generate_series(0, %s - 1) g (key)
        LEFT JOIN grid_answer a ON a.key = g.key
        LEFT JOIN {_CLASS} k ON k.county_code = a.county_code
             AND k.products IS NOT DISTINCT FROM a.products""",
        [size],
    )
    return bytes(cur.fetchone()[0])
