"""The public map's data: the shared-border mesh and vector tiles, and the fixtures and
helpers the other map tests share (points, search and the page: test_maps_points_page.py).

Tiles are checked at the byte level: an MVT stores its string values as UTF-8,
so a product's name is in the tile exactly when the product is drawn there.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse

from girrepo.validators import make_credit_code
from labels.models import Application, Authorization
from maps import caching
from maps.bands import BANDS
from maps.models import AreaShape, RegionShape
from maps.services import map_mesh_rebuild
from producers.models import Producer
from producers.services import producer_save
from products.models import Category, GIProduct
from products.services import product_save, product_set_area
from regions.models import Region

pytestmark = pytest.mark.django_db


XUANWEI = "530381"  # 宣威市, 曲靖市
LULIANG = "530322"  # 陆良县, 曲靖市
LUFENG = "532302"  # 禄丰市, 楚雄州
# The tiles holding the label points of 宣威市 (zoom 8) and 陆良县 (zoom 9).
XUANWEI_TILE = (8, 202, 108)
LULIANG_TILE = (9, 403, 219)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


# --- fixtures shared with the browser tests ------------------------------------------


@pytest.fixture(scope="session")
def map_mesh(django_db_setup, django_db_blocker):
    """The region mesh in the test database (built when the regions were loaded)."""
    with django_db_blocker.unblock():
        if not RegionShape.objects.exists():
            map_mesh_rebuild()


@pytest.fixture(autouse=True)
def fresh_map_caches(map_mesh, settings):
    # Versions change inside the test transaction here, which never commits,
    # so no notification would reach the watcher: read the table instead.
    settings.GIRREPO_MAP_VERSION_WATCH = False
    caching.map_cache().clear()
    caching._area_shapes_checked.clear()
    yield
    caching.map_cache().clear()
    caching._area_shapes_checked.clear()


def fire_deferred_triggers() -> None:
    """Data versions are bumped at commit; a test transaction never commits, so
    ask PostgreSQL to run the deferred triggers now."""
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def make_category(slug: str, name: str) -> Category:
    return Category.objects.get_or_create(slug=slug, defaults={"name": name})[0]


def make_product(name: str, category: Category, units: list[Region]) -> GIProduct:
    product = product_save(
        product=GIProduct(
            name=name, register="gi_product", authority="aqsiq", category=category, is_demo=True
        )
    )
    return product_set_area(product=product, units=units, area_text="", unmatched=[])


def make_authorized_producer(
    name: str, stem: str, lon: float, lat: float, product: GIProduct, *, status="valid"
) -> Producer:
    producer = producer_save(
        producer=Producer(
            name=name, credit_code=make_credit_code(stem), kind="enterprise", is_demo=True
        ),
        longitude=lon,
        latitude=lat,
    )
    application = Application.objects.create(
        producer=producer, product=product, county=producer.county, status="approved"
    )
    serial = Authorization.objects.filter(year=2099).count() + 1
    Authorization.objects.create(
        number=f"YN-GI-2099-{serial:05d}",
        year=2099,
        serial=serial,
        application=application,
        producer=producer,
        product=product,
        credit_code=producer.credit_code,
        gi_name=product.name,
        valid_from=dt.date(2024, 1, 1),
        status=status,
    )
    return producer


def township_in(county_code: str) -> Region:
    return Region.objects.filter(parent__code=county_code, level="township").order_by("code")[0]


def get(client, url, **headers):
    return client.get(url, **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})


def tile_url(layers: str, z: int, x: int, y: int, query: str = "") -> str:
    url = reverse("maps:tile", kwargs={"z": z, "x": x, "y": y})
    return f"{url}?layers={layers}" + (f"&{query}" if query else "")


def points(client, layer: str, query: str = "") -> dict:
    url = reverse("maps:points", kwargs={"layer": layer})
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200, response.content
    data = response.json()
    # Rows as dicts of their non-null columns, for readable assertions.
    data["rows"] = [
        {k: v for k, v in zip(data["columns"], row, strict=True) if v is not None}
        for row in data["points"]
    ]
    return data


# --- the mesh --------------------------------------------------------------------------


def _areas(band: int) -> dict:
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT level, count(*), sum(ST_Area(geom)), ST_Area(ST_Union(geom))
            FROM maps_regionshape WHERE band = %s GROUP BY level
            """,
            [band],
        )
        return {level: (n, total, union) for level, n, total, union in cur.fetchall()}


@pytest.mark.parametrize("band", [BANDS[0], 8, BANDS[-1]])
def test_simplified_counties_tile_the_province_without_gaps_or_overlaps(band):
    areas = _areas(band)
    counties, total, union = areas["county"]
    assert counties == Region.objects.filter(level="county", geom__isnull=False).count()
    # No overlaps: the parts add up to their union.
    assert total == pytest.approx(union, rel=1e-9)
    # No gaps: the union is the province shape, which has no holes.
    _n, province_area, _u = areas["province"]
    assert union == pytest.approx(province_area, rel=1e-9)
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*) FROM (
                SELECT (ST_DumpRings((ST_Dump(geom)).geom)).path AS path
                FROM maps_regionshape WHERE band = %s AND level = 'province'
            ) AS rings WHERE path[1] > 0
            """,
            [band],
        )
        assert cur.fetchone()[0] == 0


def test_prefecture_shapes_are_exactly_their_counties():
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT max(abs(ST_Area(p.geom) - c.area) / ST_Area(p.geom))
            FROM maps_regionshape p
            JOIN (
                SELECT r.parent_id, s.band, sum(ST_Area(s.geom)) AS area
                FROM maps_regionshape s JOIN regions_region r ON r.id = s.region_id
                WHERE s.level = 'county' GROUP BY r.parent_id, s.band
            ) c ON c.parent_id = p.region_id AND c.band = p.band
            WHERE p.level = 'prefecture'
            """
        )
        assert cur.fetchone()[0] < 1e-9


def test_low_zoom_bands_are_much_lighter():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT band, sum(ST_NPoints(geom)) FROM maps_regionshape "
            "WHERE level = 'county' GROUP BY band ORDER BY band"
        )
        vertices = dict(cur.fetchall())
    assert vertices[BANDS[0]] * 10 < vertices[BANDS[-1]]
    assert list(vertices.values()) == sorted(vertices.values())


def test_boundary_change_rebuilds_the_mesh_after_commit(django_capture_on_commit_callbacks):
    from regions.signals import boundaries_changed

    with django_capture_on_commit_callbacks() as callbacks:
        boundaries_changed.send(sender=Region, codes=[XUANWEI])
    assert [cb.__name__ for cb in callbacks] == ["map_mesh_rebuild"]


# --- tiles -----------------------------------------------------------------------------


def make_ham() -> GIProduct:
    """A demo product whose area is 宣威市 (the map tests' usual subject)."""
    category = make_category("map-test-meat", "地图测试肉制品")
    return make_product("地图测试火腿 (demo)", category, [region(XUANWEI)])


@pytest.fixture
def ham(db):
    return make_ham()


def test_county_tile_carries_names_and_cache_headers(client):
    response = get(client, tile_url("counties", *XUANWEI_TILE))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert "宣威市".encode() in response.content
    assert re.fullmatch(r'W/"counties\.\d+"', response["ETag"])
    assert response["Cache-Control"] == "public, no-cache"
    assert "Accept-Encoding" in response["Vary"]


def test_tile_is_gzipped_when_the_client_accepts_it(client):
    plain = get(client, tile_url("counties", *XUANWEI_TILE))
    zipped = get(client, tile_url("counties", *XUANWEI_TILE), accept_encoding="gzip")
    assert zipped["Content-Encoding"] == "gzip"
    assert len(zipped.content) < len(plain.content)


def test_matching_etag_gives_304(client):
    first = get(client, tile_url("counties", *XUANWEI_TILE))
    again = get(client, tile_url("counties", *XUANWEI_TILE), if_none_match=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again.content == b""


def test_current_version_in_the_url_may_be_cached_for_a_day(client):
    etag = get(client, tile_url("counties", *XUANWEI_TILE))["ETag"]
    version = etag.split(".")[1].rstrip('"')
    fresh = get(client, tile_url("counties", *XUANWEI_TILE, f"v={version}"))
    stale = get(client, tile_url("counties", *XUANWEI_TILE, "v=0"))
    assert fresh["Cache-Control"] == "public, max-age=86400"
    assert stale["Cache-Control"] == "public, no-cache"


def test_areas_tile_draws_the_product_where_its_area_is(client, ham):
    assert ham.name.encode() in get(client, tile_url("areas", *XUANWEI_TILE)).content
    lufeng = region(LUFENG).label_point
    assert (
        ham.name.encode() not in get(client, tile_url("areas", *tile_of(*lufeng.coords, 8))).content
    )
    assert AreaShape.objects.filter(product=ham).count() == len(BANDS)


def test_area_filters_are_the_product_filterset(client, ham):
    url = tile_url("areas", *XUANWEI_TILE, "category=map-test-meat")
    assert ham.name.encode() in get(client, url).content
    make_category("map-test-tea", "地图测试茶")
    other = tile_url("areas", *XUANWEI_TILE, "category=map-test-tea")
    assert ham.name.encode() not in get(client, other).content
    by_pinyin = tile_url("areas", *XUANWEI_TILE, "q=ditu ceshi huotui")
    assert ham.name.encode() in get(client, by_pinyin).content
    elsewhere = tile_url("areas", *XUANWEI_TILE, f"region={LUFENG}")
    assert ham.name.encode() not in get(client, elsewhere).content


def test_invalid_filter_is_a_400_not_a_500(client):
    response = get(client, tile_url("areas", *XUANWEI_TILE, "category=no-such-category"))
    assert response.status_code == 400
    assert "category" in response.json()["errors"]


@pytest.mark.parametrize(
    "url",
    [
        "/map/tiles/23/0/0.pbf",
        "/map/tiles/8/256/0.pbf",
        "/map/tiles/8/0/256.pbf",
        "/map/tiles/8/-1/0.pbf",
        "/map/tiles/8/a/0.pbf",
        "/map/tiles/8/202.pbf",
    ],
)
def test_bad_tile_address_is_a_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("layers", ["nosuchlayer", "producers", "counties,townships"])
def test_unknown_tile_layer_is_a_400(client, layers):
    response = client.get(tile_url(layers, *XUANWEI_TILE))
    assert response.status_code == 400
    assert "layers" in response.json()["errors"]


def test_one_tile_carries_every_layer_asked_for(client, ham):
    both = get(client, tile_url("counties,areas", *XUANWEI_TILE)).content
    counties = get(client, tile_url("counties", *XUANWEI_TILE)).content
    areas = get(client, tile_url("areas", *XUANWEI_TILE)).content
    # An MVT is its layers one after another (features in either order).
    assert len(both) == len(counties) + len(areas)
    assert both.index(b"counties") < both.index(b"areas")
    everything = get(client, reverse("maps:tile", kwargs={"z": 8, "x": 202, "y": 108}))
    assert ham.name.encode() in everything.content and "宣威市".encode() in everything.content


def test_a_filter_reaches_only_the_layers_that_take_it(client, ham):
    # ``category`` is not a mark filter: unknown there, so ignored (not a 400).
    response = get(client, tile_url("counties,marks", *XUANWEI_TILE, "category=no-such"))
    assert response.status_code == 200
    filtered = get(client, tile_url("counties,areas", *XUANWEI_TILE, "category=no-such"))
    assert filtered.status_code == 400


def test_an_edit_changes_etag_and_content(client, ham):
    url = tile_url("areas", *XUANWEI_TILE)
    first = get(client, url)
    assert ham.name.encode() in first.content
    ham.name = "地图测试改名火腿 (demo)"
    ham.save()
    fire_deferred_triggers()
    second = get(client, url, if_none_match=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert "地图测试改名火腿".encode() in second.content


def test_an_edit_elsewhere_keeps_the_outline_etag(client, ham):
    first = get(client, tile_url("counties", *XUANWEI_TILE))
    ham.name = "地图测试又改名火腿 (demo)"
    ham.save()
    fire_deferred_triggers()
    again = get(client, tile_url("counties", *XUANWEI_TILE), if_none_match=first["ETag"])
    assert again.status_code == 304


def test_recomputed_area_moves_the_shapes(client, ham):
    assert ham.name.encode() in get(client, tile_url("areas", *XUANWEI_TILE)).content
    product_set_area(product=ham, units=[region(LULIANG)], area_text="", unmatched=[])
    fire_deferred_triggers()
    assert ham.name.encode() in get(client, tile_url("areas", *LULIANG_TILE)).content
    assert ham.name.encode() not in get(client, tile_url("areas", *XUANWEI_TILE)).content


def test_approximate_area_is_flagged_in_the_tile(client):
    category = make_category("map-test-pig", "地图测试畜禽")
    pig = make_product("地图测试猪 (demo)", category, [township_in(LULIANG)])
    assert pig.area_precision == "approximate"
    body = get(client, tile_url("areas", *LULIANG_TILE)).content
    assert pig.name.encode() in body
    assert b"approximate" in body


def test_mark_origin_regions_are_drawn_and_filtered(client):
    from brands.models import GIMark

    mark = GIMark.objects.create(
        name="地图测试商标 (demo)", mark_type="certification", is_demo=True
    )
    mark.origin_regions.set([region(XUANWEI)])
    assert mark.name.encode() in get(client, tile_url("marks", *XUANWEI_TILE)).content
    url = tile_url("marks", *XUANWEI_TILE, f"region={LUFENG}")
    assert mark.name.encode() not in get(client, url).content


def test_cached_tile_is_served_by_the_middleware_with_one_query(
    client, settings, django_assert_num_queries
):
    settings.MIDDLEWARE = [
        settings.MIDDLEWARE[0],
        "maps.middleware.MapDataCacheMiddleware",
        *settings.MIDDLEWARE[1:],
    ]
    first = get(client, tile_url("counties", *XUANWEI_TILE))
    with django_assert_num_queries(1):  # the data version, nothing else
        again = get(client, tile_url("counties", *XUANWEI_TILE))
    assert again.content == first.content
    settings.GIRREPO_MAP_VERSION_WATCH = True  # versions from notifications: no query at all
    get(client, tile_url("counties", *XUANWEI_TILE))
    with django_assert_num_queries(0):
        third = get(client, tile_url("counties", *XUANWEI_TILE))
    assert third.content == first.content
