"""The public map in headless Chromium: offline, toggles, popups, filters, permalinks.

The live server reads committed data only, so the records are created in a
module fixture outside the test transaction and deleted afterwards.
"""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from labels.models import Application, Authorization
from products.models import Category
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

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

MAP = "/map/"
OVERLAY_PATHS = ".leaflet-girrepoTiles-pane path.girrepo-f-areas"
COUNTY_PATHS = ".leaflet-girrepoTiles-pane path.girrepo-f-counties"


@pytest.fixture(autouse=True)
def no_basemap(settings):
    settings.GIRREPO_BASEMAP = "none"


@pytest.fixture(scope="module", autouse=True)
def close_version_watcher():
    """The live server's map endpoints listen for version changes on a connection
    of their own; close it, so that the test database can be dropped."""
    from maps.versions import watcher

    yield
    watcher.close()


@pytest.fixture(scope="module")
def map_data(django_db_setup, django_db_blocker, map_mesh):  # noqa: F811
    with django_db_blocker.unblock():
        meat = make_category("map-browser-meat", "浏览器测试肉制品")
        pig = make_category("map-browser-pig", "浏览器测试畜禽")
        ham = make_product("浏览器测试火腿 (demo)", meat, [region(XUANWEI)])
        pork = make_product("浏览器测试猪 (demo)", pig, [township_in(LULIANG)])
        # Off the county's label point, where the area popup is clicked.
        lon, lat = region(XUANWEI).label_point.coords
        producer = make_authorized_producer(
            "浏览器测试火腿厂 (demo)", "91530381MAP000033", lon + 0.15, lat + 0.1, ham
        )
        township_product = TownshipProduct.objects.create(
            township=township_in(LULIANG),
            product_name="浏览器测试一乡一品 (demo)",
            category=pig,
            gi_product=pork,
            is_demo=True,
        )
    yield SimpleNamespace(ham=ham, pork=pork, producer=producer, township_product=township_product)
    with django_db_blocker.unblock():
        Authorization.objects.filter(producer=producer).delete()
        Application.objects.filter(producer=producer).delete()
        producer.delete()
        township_product.delete()
        ham.delete()
        pork.delete()
        Category.objects.filter(slug__in=["map-browser-meat", "map-browser-pig"]).delete()


def assert_clean(page):
    assert page.watch.console_errors == []
    assert page.watch.foreign_requests == []


def config(page) -> dict:
    return page.evaluate("JSON.parse(document.getElementById('map-config').textContent)")


def colour_of(page, slug: str) -> str:
    return next(c["colour"] for c in config(page)["categories"] if c["slug"] == slug)


def strokes(page) -> set[str]:
    return set(
        page.eval_on_selector_all(OVERLAY_PATHS, "ps => ps.map(p => p.getAttribute('stroke'))")
    )


def layer_checkbox(page, name: str):
    index = [layer["name"] for layer in config(page)["layers"]].index(name)
    return page.locator(".leaflet-control-layers-overlays input[type=checkbox]").nth(index)


def click_at(page, lon: float, lat: float) -> None:
    box = page.locator(".leaflet-container").bounding_box()
    x, y = page.evaluate(
        f"(() => {{ const p = girrepoMap.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }})()"
    )
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_public_map_loads_offline_with_every_default_layer(page, app_server, map_data):
    page.goto(app_server.url + MAP)
    expect(page.locator(COUNTY_PATHS).first).to_be_attached()
    expect(page.locator(OVERLAY_PATHS).first).to_be_attached()
    expect(
        page.locator(
            ".leaflet-marker-pane .girrepo-marker-producers, .leaflet-marker-pane .girrepo-cluster-producers"
        ).first
    ).to_be_visible()
    expect(page.locator(".girrepo-legend")).to_be_attached()
    expect(page.locator(".leaflet-control-zoom-fullscreen")).to_be_visible()
    expect(page.locator(".leaflet-control-locate")).to_be_visible()
    expect(page).to_have_url(re.compile(r"#map=[\d.]+/[\d.]+/[\d.]+&layers=counties,"))
    page.wait_for_load_state("networkidle")
    assert_clean(page)


def test_layers_toggle_on_and_off(page, app_server, map_data):
    page.goto(app_server.url + MAP + "#map=8/26.1/104.0")
    expect(page.locator(OVERLAY_PATHS).first).to_be_attached()
    areas = layer_checkbox(page, "areas")
    areas.uncheck()
    expect(page.locator(OVERLAY_PATHS)).to_have_count(0)
    assert "areas" not in page.evaluate("location.hash")
    areas.check()
    expect(page.locator(OVERLAY_PATHS).first).to_be_attached()
    counties = layer_checkbox(page, "counties")
    counties.uncheck()
    expect(page.locator(COUNTY_PATHS)).to_have_count(0)
    assert_clean(page)


def test_area_popup_leads_to_the_product_page(page, app_server, map_data):
    lon, lat = region(XUANWEI).label_point.coords
    page.goto(app_server.url + MAP + f"#map=9/{lat}/{lon}&layers=counties,areas")
    expect(page.locator(OVERLAY_PATHS).first).to_be_attached()
    page.wait_for_load_state("networkidle")
    click_at(page, lon, lat)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(map_data.ham.name)
    popup.locator("a.girrepo-popup-link").click()
    expect(page).to_have_url(re.compile(rf"/products/{map_data.ham.pk}/$"))
    expect(page.locator("h1")).to_contain_text(map_data.ham.name)


def test_producer_popup_leads_to_the_producer_page(page, app_server, map_data):
    point = map_data.producer.location
    page.goto(app_server.url + MAP + f"#map=12/{point.y}/{point.x}&layers=counties,producers")
    marker = page.locator(".leaflet-marker-pane .girrepo-marker-producers")
    expect(marker).to_have_count(1)
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(map_data.producer.name)
    expect(popup).to_contain_text(map_data.ham.name)  # authorized for
    popup.locator("a.girrepo-popup-link").click()
    expect(page).to_have_url(re.compile(rf"/producers/{map_data.producer.pk}/$"))


def test_township_product_is_drawn_at_its_county_and_says_so(page, app_server, map_data):
    lon, lat = region(LULIANG).label_point.coords
    page.goto(app_server.url + MAP + f"#map=11/{lat}/{lon}&layers=counties,townships")
    marker = page.locator(".leaflet-marker-pane .girrepo-marker-townships")
    expect(marker).to_have_count(1)
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(map_data.township_product.product_name)
    expect(popup).to_contain_text(township_in(LULIANG).name)
    assert_clean(page)


def test_a_filter_changes_the_features_shown(page, app_server, map_data):
    page.goto(app_server.url + MAP + "#map=8/25.6/103.9&layers=counties,areas")
    expect(page.locator(OVERLAY_PATHS).first).to_be_attached()
    page.wait_for_load_state("networkidle")
    meat, pig = colour_of(page, "map-browser-meat"), colour_of(page, "map-browser-pig")
    assert {meat, pig} <= strokes(page)
    page.locator("#id_category").select_option("map-browser-meat")
    page.locator("#map-filter-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"\?category=map-browser-meat#map=8/25\.6"))
    expect(page.locator(OVERLAY_PATHS).first).to_be_attached()
    page.wait_for_load_state("networkidle")
    assert strokes(page) == {meat}
    assert_clean(page)


def test_a_permalink_restores_view_layers_and_filters(page, app_server, map_data):
    link = MAP + "?category=map-browser-meat#map=9/26.3/104.1&layers=counties,areas"
    page.goto(app_server.url + link)
    expect(page.locator(OVERLAY_PATHS).first).to_be_attached()
    assert page.evaluate("girrepoMap.getZoom()") == 9
    center = page.evaluate("girrepoMap.getCenter()")
    assert center["lat"] == pytest.approx(26.3, abs=1e-4)
    assert center["lng"] == pytest.approx(104.1, abs=1e-4)
    expect(layer_checkbox(page, "prefectures")).not_to_be_checked()
    expect(layer_checkbox(page, "areas")).to_be_checked()
    assert page.locator("#id_category").evaluate(
        "s => [...s.selectedOptions].map(o => o.value)"
    ) == ["map-browser-meat"]
    page.locator(".leaflet-control-zoom-in").click()
    expect(page).to_have_url(re.compile(r"#map=10/"))
    page.reload()
    expect(page.locator(COUNTY_PATHS).first).to_be_attached()
    assert page.evaluate("girrepoMap.getZoom()") == 10
    assert_clean(page)


def test_search_jumps_to_a_place_typed_in_pinyin(page, app_server, map_data):
    page.goto(app_server.url + MAP)
    expect(page.locator(COUNTY_PATHS).first).to_be_attached()
    page.locator("#map-search-input").fill("xuanwei")
    hit = page.locator("#map-search-results li", has_text="宣威市")
    expect(hit).to_be_visible()
    hit.click()
    xuanwei = region(XUANWEI).geom_display.extent
    page.wait_for_function("girrepoMap.getZoom() > 8")
    center = page.evaluate("girrepoMap.getCenter()")
    assert xuanwei[0] < center["lng"] < xuanwei[2] and xuanwei[1] < center["lat"] < xuanwei[3]
    assert_clean(page)


def test_readable_on_a_phone(page, app_server, map_data):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(app_server.url + MAP)
    expect(page.locator(COUNTY_PATHS).first).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    height = page.locator("#public-map").bounding_box()["height"]
    assert height >= 0.5 * 844
    expect(page.locator(".leaflet-control-layers-toggle")).to_be_visible()
    expect(page.locator(".girrepo-legend")).not_to_have_attribute("open", "")
    expect(page.locator(".leaflet-control-zoom-fullscreen")).to_be_visible()
    assert_clean(page)
