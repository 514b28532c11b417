"""The public region pages and the offline folium helper, over the real Yunnan regions."""

import json
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from girrepo.offline_maps import offline_map, outline_layer, render_map
from regions.models import Region

pytestmark = pytest.mark.django_db

PROVINCE, PREFECTURE, COUNTY = "530000", "532300", "532302"  # 云南省, 楚雄州, 禄丰市
GENGMA, GENGMA_STATE_FARM = "530926", "530926401"  # 耿马县 and its 华侨农场
FOREIGN = re.compile(r"https?://|//cdn\.|jsdelivr|unpkg|cdnjs|googleapis|bootstrapcdn")


@pytest.fixture
def township():
    return Region.objects.filter(parent__code=COUNTY).order_by("code").first()


@pytest.fixture(autouse=True)
def no_basemap(settings):
    """The default: outlines only, as on an intranet without internet."""
    settings.GIRREPO_BASEMAP = "none"


def get_html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def breadcrumbs(html: str) -> list[str]:
    trail = re.search(r'<ol class="breadcrumb">(.*?)</ol>', html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li.*?</li>", trail, re.S)
    ]


def map_config(html: str) -> dict:
    """The config of the page's map (the public map's layers, focused on the region)."""
    found = re.search(
        r'<script id="detail-map-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "no map on the page"
    return json.loads(found.group(1))


# -- the pages ---------------------------------------------------------------


def test_home_links_to_regions(client):
    html = get_html(client, reverse("home"))
    assert 'href="/regions/"' in html
    assert "行政区划" in html


def test_regions_index_is_the_province(client):
    html = get_html(client, reverse("regions:index"))
    assert breadcrumbs(html) == ["云南省"]
    assert "530000" in html
    assert html.count('href="/regions/53') >= 16  # the prefectures
    assert f'href="/regions/{PREFECTURE}/"' in html
    assert "州（市）" in html


def test_prefecture_page(client):
    html = get_html(client, f"/regions/{PREFECTURE}/")
    assert breadcrumbs(html) == ["云南省", "楚雄彝族自治州"]
    assert f'href="/regions/{PROVINCE}/"' in html
    assert f'href="/regions/{COUNTY}/"' in html  # 禄丰市 under its corrected code
    assert "自治州" in html


def test_county_page_groups_townships_by_unit_type(client, township):
    html = get_html(client, f"/regions/{COUNTY}/")
    assert breadcrumbs(html) == ["云南省", "楚雄彝族自治州", "禄丰市"]
    assert f'href="{township.get_absolute_url()}"' in html
    assert township.name in html
    headings = re.findall(r'<h3 class="h6 mt-3">([^<]+)<', html)
    assert headings and {h.strip() for h in headings} <= {
        "镇",
        "乡",
        "民族乡",
        "街道",
        "非行政单位",
    }


def test_county_page_flags_non_administrative_units(client):
    html = get_html(client, f"/regions/{GENGMA}/")
    farm = Region.objects.get(code=GENGMA_STATE_FARM)
    assert not farm.is_administrative
    assert f'href="{farm.get_absolute_url()}"' in html
    assert "非行政单位" in html


def test_township_page_shows_its_county_honestly(client, township):
    html = get_html(client, township.get_absolute_url())
    assert breadcrumbs(html) == ["云南省", "楚雄彝族自治州", "禄丰市", township.name]
    assert "本乡（镇、街道）暂无边界" in html
    assert 'class="folium-map' in html
    config = map_config(html)
    assert config["highlight"] == {"own": [], "approx": [COUNTY]}  # its county, dashed
    county = Region.objects.get(code=COUNTY).geom_display.extent
    assert config["bbox"] == pytest.approx(list(county), abs=1e-3)


def test_unknown_code_is_404(client):
    response = client.get("/regions/999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/regions/", f"/regions/{COUNTY}/", "/regions/532302101/"])
def test_pages_load_nothing_from_other_hosts(client, url):
    html = get_html(client, url)
    assert not FOREIGN.search(html), FOREIGN.search(html)
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html


def test_map_embeds_no_geometry(client):
    county = Region.objects.get(code=COUNTY)
    html = get_html(client, county.get_absolute_url())
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert '"coordinates"' not in html and "MultiPolygon" not in html
    config = map_config(html)
    # The public map's vector tiles and points, filtered to what lies in the county.
    assert config["tiles"]["url"] == "/map/tiles/{z}/{x}/{y}.pbf"
    assert config["tiles"]["query"] == f"region={COUNTY}"
    assert config["highlight"] == {"own": [COUNTY], "approx": []}
    assert config["bbox"] == pytest.approx(list(county.geom_display.extent), abs=1e-3)


def test_prefecture_map_shows_what_lies_inside(client):
    config = map_config(get_html(client, f"/regions/{PREFECTURE}/"))
    assert config["highlight"]["own"] == [PREFECTURE]
    urls = {layer["name"]: layer.get("url") for layer in config["layers"]}
    assert urls["producers"].startswith(f"/map/points/producers.json?region={PREFECTURE}&")
    assert urls["townships"].startswith(f"/map/points/townships.json?region={PREFECTURE}&")
    assert config["urls"]["counties"] == "/regions/000000/"  # popups link the regions


@pytest.mark.parametrize("code", [PROVINCE, PREFECTURE, COUNTY, "532302101"])
def test_page_queries_are_bounded(client, django_assert_max_num_queries, code):
    get_html(client, f"/regions/{code}/")  # the map's legend is cached from then on
    # The region, its ancestors, its children; the map's box.
    with django_assert_max_num_queries(4):
        get_html(client, f"/regions/{code}/")


def test_language_switch(client):
    url = f"/regions/{COUNTY}/"
    assert "乡（镇、街道）" in get_html(client, url)
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    html = get_html(client, url)
    assert '<html lang="en">' in html
    assert "Townships" in html and "County-level city" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    assert "县级市" in get_html(client, url)


def test_server_error_page_needs_no_request():
    # Django renders 500.html without a context; the language is the request's.
    with translation.override("zh-hans"):
        assert "服务器错误" in render_to_string("500.html")


def test_staff_base_points_to_admin(rf):
    request = rf.get("/")
    html = render_to_string("staff/base.html", request=request)
    assert 'href="/admin/"' in html


# -- the folium helper -------------------------------------------------------


def square(label: str, url: str = "") -> dict:
    ring = [[101, 25], [102, 25], [102, 26], [101, 26], [101, 25]]
    props = {"label": label, "url": url} if url else {"label": label}
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": props,
    }


def test_rendered_map_links_only_local_leaflet():
    m = offline_map(location=[25.5, 101.5], zoom_start=8)
    outline_layer([square("禄丰市", "/regions/532302/")], style={"color": "red"}).add_to(m)
    parts = render_map(m)
    assert "http://" not in parts.header and "https://" not in parts.header
    assert re.findall(r'(?:src|href)="([^"]+)"', parts.header) == [
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
    ]
    # folium's full-page styles must not leak into our layout.
    assert "html, body" not in parts.header and "user-scalable" not in parts.header
    assert "L.tileLayer" not in parts.script
    assert 'class="folium-map"' in parts.html


def test_folium_class_defaults_stay_untouched():
    import folium

    before = list(folium.Map.default_js)
    offline_map().add_js_link("extra", "/static/extra.js")
    assert folium.Map.default_js == before


def test_feature_names_cannot_inject_markup():
    m = offline_map()
    outline_layer([square("</script><b>x")], style={}).add_to(m)
    assert "</script>" not in render_map(m).script


def test_osm_basemap(settings):
    settings.GIRREPO_BASEMAP = "osm"
    script = render_map(offline_map()).script
    assert "tile.openstreetmap.org" in script and "OpenStreetMap contributors" in script


def test_tianditu_basemap(settings):
    settings.GIRREPO_BASEMAP = "tianditu"
    settings.GIRREPO_TIANDITU_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        offline_map()
    settings.GIRREPO_TIANDITU_KEY = "k123"
    script = render_map(offline_map()).script
    assert "tianditu.gov.cn/vec_w/" in script and "tk=k123" in script
    assert "amap" not in script.lower() and "autonavi" not in script.lower()


def test_unknown_basemap_is_refused(settings):
    settings.GIRREPO_BASEMAP = "amap"
    with pytest.raises(ImproperlyConfigured):
        offline_map()
