"""The region pages in a real browser: the map draws offline and the links work."""

import re

import pytest
from playwright.sync_api import expect

# django_db makes pytest-django set up the test database even when only
# browser tests are selected; the live server reads the committed regions.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

COUNTY_URL = "/regions/532302/"  # 禄丰市


@pytest.fixture(autouse=True)
def no_basemap(settings):
    # The live server runs in this process, so it sees this setting too.
    settings.GIRREPO_BASEMAP = "none"


def assert_clean(page):
    assert page.watch.console_errors == []
    assert page.watch.foreign_requests == []


# The page's map draws the public map's vector tiles; the region itself is highlighted.
FOCUS = ".leaflet-girrepoTiles-pane path.girrepo-focus"
FOCUS_APPROX = ".leaflet-girrepoTiles-pane path.girrepo-focus-approx"
COUNTIES = ".leaflet-girrepoTiles-pane path.girrepo-f-counties"


@pytest.fixture(scope="module", autouse=True)
def close_version_watcher():
    """The live server's map listens for data versions on a connection of its own."""
    from maps.versions import watcher

    yield
    watcher.close()


def map_shows(page, selector: str):
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator(selector).first).to_be_attached()


def focused_codes(page) -> set[str]:
    """The codes of the regions the map highlights (read from the page's config)."""
    config = page.evaluate("JSON.parse(document.getElementById('detail-map-config').textContent)")
    return set(config["highlight"]["own"]), set(config["highlight"]["approx"])


def test_county_page_draws_its_map_and_links_up_and_down(page, app_server):
    page.goto(app_server.url + COUNTY_URL)
    map_shows(page, FOCUS)  # 禄丰市, highlighted among its neighbours
    assert focused_codes(page) == ({"532302"}, set())
    expect(page.locator("h1")).to_contain_text("禄丰市")

    page.get_by_role("link", name="楚雄彝族自治州").click()
    expect(page).to_have_url(app_server.url + "/regions/532300/")
    map_shows(page, FOCUS)
    assert focused_codes(page) == ({"532300"}, set())

    page.locator("#children-heading + ul").get_by_role("link", name="禄丰市").click()
    expect(page).to_have_url(app_server.url + COUNTY_URL)
    page.locator("#children-heading ~ ul").first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/regions/532302\d{3}/$"))
    expect(page.locator(".alert[role=note]")).to_contain_text("暂无边界")
    map_shows(page, FOCUS_APPROX)  # the county, drawn dashed in its place
    assert focused_codes(page) == (set(), {"532302"})
    page.wait_for_load_state("networkidle")
    assert_clean(page)


def test_map_popup_links_to_the_child_region(page, app_server):
    page.goto(app_server.url + "/regions/532300/")
    map_shows(page, COUNTIES)
    page.wait_for_load_state("networkidle")
    # The middle of the map is inside the prefecture: a click there hits one of its counties.
    box = page.locator(".leaflet-container").bounding_box()
    page.evaluate(
        "girrepoMap.girrepoLayers.areas && girrepoMap.removeLayer(girrepoMap.girrepoLayers.areas)"
    )
    page.wait_for_load_state("networkidle")
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup_link = page.locator(".leaflet-popup-content a")
    expect(popup_link).to_be_visible()
    popup_link.click()
    expect(page).to_have_url(re.compile(r"/regions/5323\d\d/$"))
    assert_clean(page)


def test_language_switch_to_english(page, app_server):
    page.goto(app_server.url + COUNTY_URL)
    expect(page.locator("#children-heading")).to_contain_text("乡（镇、街道）")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(app_server.url + COUNTY_URL)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#children-heading")).to_contain_text("Townships")
    expect(page.get_by_role("link", name="Regions", exact=True)).to_be_visible()
    map_shows(page, FOCUS)
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert_clean(page)
