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


def map_paths(page):
    expect(page.locator(".leaflet-container")).to_be_visible()
    return page.locator(".leaflet-container path.leaflet-interactive")


def test_county_page_draws_its_map_and_links_up_and_down(page, app_server):
    page.goto(app_server.url + COUNTY_URL)
    expect(map_paths(page)).to_have_count(1)  # townships have no boundaries
    expect(page.locator("h1")).to_contain_text("禄丰市")

    page.get_by_role("link", name="楚雄彝族自治州").click()
    expect(page).to_have_url(app_server.url + "/regions/532300/")
    expect(map_paths(page).first).to_be_visible()
    assert map_paths(page).count() == 1 + 10  # the prefecture and its ten counties

    page.locator("#children-heading + ul").get_by_role("link", name="禄丰市").click()
    expect(page).to_have_url(app_server.url + COUNTY_URL)
    page.locator("#children-heading ~ ul").first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/regions/532302\d{3}/$"))
    expect(page.locator(".alert[role=note]")).to_contain_text("暂无边界")
    expect(map_paths(page)).to_have_count(1)  # the county, drawn in its place
    assert_clean(page)


def test_map_popup_links_to_the_child_region(page, app_server):
    page.goto(app_server.url + "/regions/532300/")
    # The children are drawn above the prefecture; any click inside lands on a county.
    map_paths(page).last.click()
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
    expect(map_paths(page)).to_have_count(1)
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert_clean(page)
