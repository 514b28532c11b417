"""Detail-page maps in headless Chromium: the public map's layers focused on one record,
offline (no request leaves the app) and without console errors.

The live server reads committed data only, so the records are created in a
module fixture outside the test transaction and deleted afterwards.
"""

import re
from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import Polygon
from django.db import connection
from playwright.sync_api import expect

from brands.models import GIMark
from labels.models import Application, Authorization, ProductionSite
from producers.models import Producer
from products.models import Category, GIProduct
from tests.conftest import ARTIFACTS
from tests.test_maps_data import (  # noqa: F401  (fixtures)
    LULIANG,
    XUANWEI,
    make_authorized_producer,
    make_category,
    make_product,
    map_mesh,
    region,
    township_in,
)
from township_products.models import TownshipProduct
from varieties.choices import PlantType
from varieties.models import PlantVariety

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

TILE_PATHS = ".detail-map-frame .leaflet-girrepoTiles-pane path"
FOCUS = f"{TILE_PATHS}.girrepo-focus"
FOCUS_APPROX = f"{TILE_PATHS}.girrepo-focus-approx"
AREAS = f"{TILE_PATHS}.girrepo-f-areas"
PRODUCER_MARKERS = ".detail-map-frame .leaflet-marker-pane .girrepo-marker-producers"

# The names the producer layer holds (clustered or not), read from the map itself.
PRODUCER_NAMES = """
() => girrepoMap.girrepoLayers.producers.girrepoMarkers()
      .map(m => m.options.title).sort()
"""


@pytest.fixture(autouse=True)
def no_basemap(settings):
    settings.GIRREPO_BASEMAP = "none"


@pytest.fixture(scope="module", autouse=True)
def close_version_watcher():
    from maps.versions import watcher

    yield
    watcher.close()


PREFIX = "详情测试"
SLUGS = ["detail-browser-meat", "detail-browser-pig"]


def remove_test_records() -> None:
    """Delete this module's records (also what an interrupted run left behind)."""
    producers = Producer.objects.filter(name__startswith=PREFIX)
    ProductionSite.objects.filter(application__producer__in=producers).delete()
    Authorization.objects.filter(producer__in=producers).delete()
    Application.objects.filter(producer__in=producers).delete()
    producers.delete()
    TownshipProduct.objects.filter(product_name__startswith=PREFIX).delete()
    GIMark.objects.filter(name__startswith=PREFIX).delete()
    PlantVariety.objects.filter(denomination__startswith=PREFIX).delete()
    GIProduct.objects.filter(name__startswith=PREFIX).delete()
    Category.objects.filter(slug__in=SLUGS).delete()


def points_in(code: str, n: int) -> list[tuple[float, float]]:
    """``n`` points spread over a county, well apart (a fixed seed: the same every run)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM regions_region r, "
            "LATERAL ST_Dump(ST_GeneratePoints(ST_Buffer(r.geom, -0.08), %s, 7)) AS p "
            "WHERE r.code = %s ORDER BY ST_X(p.geom)",
            [n, code],
        )
        return cur.fetchall()


@pytest.fixture(scope="module")
def detail_data(django_db_setup, django_db_blocker, map_mesh):  # noqa: F811
    with django_db_blocker.unblock():
        remove_test_records()
        meat = make_category(SLUGS[0], "详情浏览器测试肉制品")
        pig = make_category(SLUGS[1], "详情浏览器测试畜禽")
        ham = make_product(f"{PREFIX}火腿 (demo)", meat, [region(XUANWEI)])
        pork = make_product(f"{PREFIX}猪 (demo)", pig, [township_in(LULIANG)])
        # Spread over 宣威市, west to east, so that they do not cluster at the page's zoom.
        (w, w_lat), (mid, mid_lat), (e, e_lat), (x, x_lat) = points_in(XUANWEI, 4)
        genuine = [
            make_authorized_producer(
                f"{PREFIX}正品厂甲 (demo)", "91530381DTL000101", w, w_lat, ham
            ),
            make_authorized_producer(
                f"{PREFIX}正品厂乙 (demo)", "91530381DTL000102", e, e_lat, ham
            ),
        ]
        suspended = make_authorized_producer(
            f"{PREFIX}暂停厂 (demo)", "91530381DTL000201", mid, mid_lat, ham, status="suspended"
        )
        other = make_authorized_producer(
            f"{PREFIX}猪厂 (demo)", "91530381DTL000202", x, x_lat, pork
        )
        site = ProductionSite.objects.create(
            application=Application.objects.get(producer=genuine[0]),
            name=f"{PREFIX}地块",
            geom=Polygon.from_bbox((w + 0.05, w_lat + 0.05, w + 0.06, w_lat + 0.06)),
        )
        township_product = TownshipProduct.objects.create(
            township=township_in(XUANWEI),
            product_name=f"{PREFIX}火腿乡 (demo)",
            category=meat,
            gi_product=ham,
            is_demo=True,
        )
        mark = GIMark.objects.create(name=f"{PREFIX}商标 (demo)", mark_type="certification")
        mark.origin_regions.set([region(XUANWEI)])
        variety = PlantVariety.objects.create(
            denomination=f"{PREFIX}滇红1号 (demo)",
            species_zh="茶",
            species_latin="Camellia sinensis",
            plant_type=PlantType.WOODY_OTHER,
            is_demo=True,
        )
        # A county of its own and a township (outlined by its county, dashed).
        variety.growing_regions.set([region(XUANWEI), township_in(LULIANG)])
    yield SimpleNamespace(
        ham=ham,
        genuine=genuine,
        suspended=suspended,
        other=other,
        site=site,
        township_product=township_product,
        mark=mark,
        variety=variety,
    )
    with django_db_blocker.unblock():
        remove_test_records()


def open_detail(page, url: str) -> None:
    page.goto(url)
    expect(page.locator(".detail-map-frame .leaflet-container")).to_be_visible()
    page.wait_for_load_state("networkidle")


def assert_clean(page):
    assert page.watch.console_errors == []
    assert page.watch.foreign_requests == []
    # Map data came from the app's own endpoints, as on the public map.
    assert page.evaluate(
        "performance.getEntriesByType('resource').some(r => r.name.includes('/map/tiles/'))"
    )


def test_product_page_shows_area_units_and_only_its_authorized_producers(
    page, app_server, detail_data
):
    open_detail(page, app_server.url + detail_data.ham.get_absolute_url())
    expect(page.locator(AREAS).first).to_be_attached()
    expect(page.locator(FOCUS).first).to_be_attached()  # 宣威市, the announced unit
    expected = sorted(p.name for p in detail_data.genuine)
    page.wait_for_function(f"({PRODUCER_NAMES})().length === {len(expected)}")
    assert page.evaluate(PRODUCER_NAMES) == expected
    expect(page.locator(PRODUCER_MARKERS)).to_have_count(len(expected))
    expect(
        page.locator(".detail-map-frame .leaflet-marker-pane .girrepo-marker-townships")
    ).to_have_count(1)
    # No hash permalink on a detail page, and the page's own URL is untouched.
    assert page.evaluate("location.hash") == ""
    assert_clean(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "product_detail_map.png"), full_page=True)

    page.locator(PRODUCER_MARKERS).first.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(detail_data.ham.name)  # authorized for
    popup.locator("a.girrepo-popup-link").click()
    expect(page).to_have_url(re.compile(r"/producers/\d+/$"))
    assert page.locator("h1").inner_text().strip() in expected


def test_region_page_shows_what_is_registered_inside(page, app_server, detail_data):
    open_detail(page, app_server.url + f"/regions/{XUANWEI}/")
    expect(page.locator(FOCUS).first).to_be_attached()
    expect(page.locator(AREAS).first).to_be_attached()
    # Every producer inside 宣威市 with a valid authorization, whatever the product.
    expected = sorted(p.name for p in [*detail_data.genuine, detail_data.other])
    page.wait_for_function(f"({PRODUCER_NAMES})().length === {len(expected)}")
    assert page.evaluate(PRODUCER_NAMES) == expected
    assert_clean(page)


def test_township_page_highlights_its_county_dashed(page, app_server, detail_data):
    open_detail(page, app_server.url + township_in(LULIANG).get_absolute_url())
    expect(page.locator(FOCUS_APPROX).first).to_be_attached()
    expect(page.locator(".alert[role=note]")).to_be_visible()
    assert_clean(page)


def test_producer_page_shows_its_location_and_sites(page, app_server, detail_data):
    producer = detail_data.genuine[0]
    open_detail(page, app_server.url + producer.get_absolute_url())
    expect(
        page.locator(".detail-map-frame .leaflet-marker-pane .girrepo-marker-focus")
    ).to_have_count(1)
    site = page.locator(".detail-map-frame .leaflet-marker-pane .girrepo-marker-sites")
    expect(site).to_have_count(1)
    expect(page.locator(AREAS).first).to_be_attached()  # the area it may label for
    expect(page.locator(FOCUS).first).to_be_attached()  # its county
    assert_clean(page)
    site.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(f"{PREFIX}地块")


def test_mark_page_shows_origin_and_authorized_producers(page, app_server, detail_data):
    open_detail(page, app_server.url + detail_data.mark.get_absolute_url())
    expect(page.locator(FOCUS).first).to_be_attached()
    expect(page.locator(f"{TILE_PATHS}.girrepo-f-marks").first).to_be_attached()
    assert_clean(page)


def test_variety_page_outlines_where_it_is_grown(page, app_server, detail_data):
    open_detail(page, app_server.url + detail_data.variety.get_absolute_url())
    expect(page.locator(f"{TILE_PATHS}.girrepo-f-varieties").first).to_be_attached()
    expect(page.locator(FOCUS).first).to_be_attached()  # 宣威市, its own boundary
    expect(page.locator(FOCUS_APPROX).first).to_be_attached()  # 陆良县 for the township
    assert_clean(page)
    # The page embeds no geometry of its own any more (no folium GeoJSON in the HTML).
    assert '"type": "FeatureCollection"' not in page.content()


def test_township_product_page_shows_its_record(page, app_server, detail_data):
    open_detail(page, app_server.url + detail_data.township_product.get_absolute_url())
    marker = page.locator(".detail-map-frame .leaflet-marker-pane .girrepo-marker-townships")
    expect(marker).to_have_count(1)
    expect(page.locator(FOCUS_APPROX).first).to_be_attached()
    assert_clean(page)


def test_detail_map_on_a_phone(page, app_server, detail_data):
    page.set_viewport_size({"width": 390, "height": 844})
    open_detail(page, app_server.url + detail_data.ham.get_absolute_url())
    expect(page.locator(AREAS).first).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_clean(page)
