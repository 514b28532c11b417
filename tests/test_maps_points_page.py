"""The public map's data, continued: point layers, place search and the map page
(fixtures and helpers from tests/test_maps_data.py, which holds the mesh and tiles)."""

import json
import re

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.urls import reverse

from maps.bands import BANDS
from maps.models import AreaShape
from products.models import GIProduct
from products.services import product_save
from tests.test_maps_data import (  # noqa: F401  (autouse fixtures: imported to apply here)
    LUFENG,
    LULIANG,
    XUANWEI,
    XUANWEI_TILE,
    fire_deferred_triggers,
    fresh_map_caches,
    get,
    make_authorized_producer,
    make_category,
    make_ham,
    map_mesh,
    points,
    region,
    tile_of,
    tile_url,
    township_in,
)
from township_products.models import TownshipProduct

pytestmark = pytest.mark.django_db


@pytest.fixture
def ham(db):
    return make_ham()


# --- points ----------------------------------------------------------------------------


def test_producers_layer_shows_only_valid_authorizations(client, ham):
    lon, lat = region(XUANWEI).label_point.coords
    valid = make_authorized_producer("地图测试火腿厂 (demo)", "91530381MAP000011", lon, lat, ham)
    make_authorized_producer(
        "地图测试注销厂 (demo)", "91530381MAP000022", lon, lat, ham, status="cancelled"
    )
    data = points(client, "producers")
    assert data["complete"] is True
    assert [row["id"] for row in data["rows"]] == [valid.pk]
    assert data["rows"][0]["products"] == ham.name
    assert data["rows"][0]["name"] == valid.name
    assert points(client, "producers", "category=map-test-meat")["count"] == 1
    make_category("map-test-tea", "地图测试茶")
    assert points(client, "producers", "category=map-test-tea")["count"] == 0
    assert points(client, "producers", "q=ditu ceshi huotui")["count"] == 1  # by product


def test_points_are_clustered_by_the_server_above_the_limit(client, settings, ham):
    lon, lat = region(XUANWEI).label_point.coords
    for i in range(3):
        make_authorized_producer(
            f"地图测试厂{i} (demo)", f"91530381MAP00010{i}", lon + i * 0.01, lat, ham
        )
    settings.GIRREPO_MAP_POINT_LIMIT = 2
    data = points(client, "producers", "z=6")
    assert data["complete"] is False
    assert data["points"] == []
    assert [cell[0] for cell in data["clusters"]] == [3]
    box = f"{lon - 0.05:.2f},{lat - 0.05:.2f},{lon + 0.05:.2f},{lat + 0.05:.2f}"
    boxed = points(client, "producers", f"z=14&bbox={box}")
    assert [cell[0] for cell in boxed["clusters"]] == [1, 1, 1]  # 80 px at zoom 14 is ~760 m


def test_township_products_sit_at_their_county_and_say_so(client):
    township = township_in(LULIANG)
    record = TownshipProduct.objects.create(
        township=township, product_name="地图测试一乡一品 (demo)", is_demo=True
    )
    row = points(client, "townships")["rows"][0]
    county_point = region(LULIANG).label_point
    assert row["id"] == record.pk
    assert row["approx"] is True
    assert township.name in row["place"]
    assert Point(row["lon"], row["lat"]).distance(county_point) < 1e-4


@pytest.mark.parametrize("query", ["bbox=1,2,3", "bbox=a,b,c,d", "bbox=10,10,5,5", "z=40"])
def test_bad_point_queries_are_400(client, query):
    url = reverse("maps:points", kwargs={"layer": "producers"})
    assert client.get(f"{url}?{query}").status_code == 400


# --- search and the page ---------------------------------------------------------------


def test_search_finds_places_by_pinyin_and_products_by_chinese(client, ham):
    results = client.get(reverse("maps:search"), {"q": "lufeng"}).json()["results"]
    lufeng = next(r for r in results if r["label"] == "禄丰市")
    xmin, ymin, xmax, ymax = lufeng["bbox"]
    assert xmin < region(LUFENG).label_point.x < xmax and ymin < region(LUFENG).label_point.y < ymax
    results = client.get(reverse("maps:search"), {"q": "地图测试火腿"}).json()["results"]
    assert results[0]["label"] == ham.name and results[0]["bbox"]


def test_search_is_revalidated_by_data_version(client, ham):
    first = client.get(reverse("maps:search"), {"q": "lufeng"})
    again = client.get(reverse("maps:search"), {"q": "lufeng"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    ham.name = "地图测试新名 (demo)"
    ham.save()
    fire_deferred_triggers()
    after = client.get(
        reverse("maps:search"), {"q": "地图测试新名"}, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert after.status_code == 200
    assert after.json()["results"][0]["label"] == "地图测试新名 (demo)"


def test_search_for_a_township_gives_its_county(client):
    township = township_in(LULIANG)
    results = client.get(reverse("maps:search"), {"q": township.name}).json()["results"]
    hit = next(r for r in results if r["label"] == township.name)
    assert "陆良县" in hit["note"]


def test_page_embeds_no_geometry_and_links_only_local_files(client, ham):
    response = client.get(reverse("maps:public_map"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '"coordinates"' not in html and "MultiPolygon" not in html
    assert len(response.content) < 60_000
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert sources and all(s.startswith("/static/") for s in sources)
    assert "Leaflet.VectorGrid.bundled.min.js" in html and "leaflet.markercluster.js" in html
    config = json.loads(
        re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html).group(1)
    )
    assert {layer["name"] for layer in config["layers"]} >= {"counties", "areas", "producers"}
    assert any(c["slug"] == "map-test-meat" for c in config["categories"])


def test_page_passes_filters_to_the_data_urls(client, ham):
    response = client.get(
        reverse("maps:public_map"), {"category": "map-test-meat", "q": "x", "junk": "1"}
    )
    config = response.context["config"]
    assert config["tiles"]["query"] == "category=map-test-meat&q=x"
    urls = {layer["name"]: layer.get("url") for layer in config["layers"]}
    assert "category=map-test-meat" in urls["producers"] and "junk" not in urls["producers"]
    assert urls["counties"] is None  # polygon layers share the tile URL
    assert set(config["versions"]) >= {"regions", "mesh", "products"}


def test_page_lists_products_it_cannot_draw(client):
    category = make_category("map-test-fruit", "地图测试水果")
    product_save(
        product=GIProduct(
            name="地图测试未绘制 (demo)",
            register="gi_product",
            authority="aqsiq",
            category=category,
            is_demo=True,
        )
    )
    response = client.get(reverse("maps:public_map"))
    assert [p["name"] for p in response.context["unmapped"]] == ["地图测试未绘制 (demo)"]
    assert "地图测试未绘制 (demo)" in response.content.decode()


def test_popups_get_the_first_product_photo_thumbnail(client, ham):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from products.models import ProductPhoto

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "brown").save(buffer, "JPEG")
    photo = ProductPhoto(product=ham, caption="ham")
    photo.set_image(SimpleUploadedFile("ham.jpg", buffer.getvalue(), "image/jpeg"))
    photo.save()
    body = get(client, tile_url("areas", *XUANWEI_TILE)).content
    assert photo.thumbnail.name.encode() in body
    record = TownshipProduct.objects.create(
        township=township_in(XUANWEI), product_name="地图测试火腿乡 (demo)", gi_product=ham
    )
    row = next(r for r in points(client, "townships")["rows"] if r["id"] == record.pk)
    assert row["thumb"] == photo.thumbnail.name


def test_basemap_follows_the_setting_and_stays_local_by_default(client, settings):
    settings.GIRREPO_BASEMAP = "none"
    html = client.get(reverse("maps:public_map")).content.decode()
    assert "openstreetmap" not in html and "tianditu" not in html
    settings.GIRREPO_BASEMAP = "osm"
    response = client.get(reverse("maps:public_map"))
    assert "tile.openstreetmap.org" in response.content.decode()
    assert response.context["config"]["basemap"] == "osm"


def test_build_map_shapes_command_rebuilds_stale_areas_only(ham):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("build_map_shapes", "--stale", stdout=out)
    assert "1 protected area" in out.getvalue()
    assert AreaShape.objects.filter(product=ham).count() == len(BANDS)
    out = StringIO()
    call_command("build_map_shapes", "--stale", stdout=out)
    assert "0 protected area" in out.getvalue()


@pytest.mark.parametrize("zoom", [8, 11])  # cut in advance / cut on request
def test_a_township_origin_is_drawn_as_its_county(client, zoom):
    from brands.models import GIMark

    mark = GIMark.objects.create(name="地图测试乡商标 (demo)", mark_type="collective", is_demo=True)
    mark.origin_regions.set([township_in(XUANWEI)])
    body = get(
        client, tile_url("marks", *tile_of(*region(XUANWEI).label_point.coords, zoom))
    ).content
    assert mark.name.encode() in body
    assert township_in(XUANWEI).name.encode() in body  # the popup names the township


def test_the_version_watcher_follows_commits():
    import time

    import psycopg2

    from maps.versions import VersionWatcher

    watcher = VersionWatcher()
    before = watcher.versions()
    assert before["regions"] >= 0
    # Another session commits a change to a watched table (as a real edit would).
    other = psycopg2.connect(**connection.get_connection_params())
    other.autocommit = True
    with other.cursor() as cur:
        cur.execute("UPDATE regions_region SET name = name WHERE code = %s", [XUANWEI])
    other.close()
    deadline = time.monotonic() + 5
    while watcher.versions()["regions"] == before["regions"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert watcher.versions()["regions"] == before["regions"] + 1
    assert watcher.versions()["products"] == before["products"]
