"""Detail-page maps: the public map's layers focused on one record, with no geometry
embedded; the focus filters of the map endpoints; the township-product category filter."""

import json
import re

import pytest
from django.contrib.gis.geos import Polygon
from django.http import QueryDict
from django.urls import reverse

from brands.models import GIMark
from labels.models import Application, ProductionSite
from tests.test_maps_data import (  # noqa: F401  (fixtures)
    LULIANG,
    XUANWEI,
    XUANWEI_TILE,
    fresh_map_caches,
    get,
    make_authorized_producer,
    make_category,
    make_product,
    map_mesh,
    points,
    region,
    tile_url,
    township_in,
)
from township_products.filtersets import TownshipProductFilterSet
from township_products.models import TownshipProduct
from varieties.choices import PlantType
from varieties.models import PlantVariety

pytestmark = pytest.mark.django_db


def detail_config(html: str) -> dict:
    found = re.search(
        r'<script id="detail-map-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "no detail map on the page"
    return json.loads(found.group(1))


def page(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, url
    return response.content.decode()


def layer_urls(config: dict) -> dict:
    return {layer["name"]: layer.get("url") for layer in config["layers"]}


def assert_no_geometry(html: str) -> None:
    assert '"coordinates"' not in html and "MultiPolygon" not in html
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert sources and all(s.startswith("/static/") for s in sources)
    assert "Leaflet.VectorGrid.bundled.min.js" in html


@pytest.fixture
def ham(db):
    return make_product(
        "地图测试火腿 (demo)", make_category("map-test-meat", "地图测试肉制品"), [region(XUANWEI)]
    )


@pytest.fixture
def pork(db):
    pig = make_category("map-test-pig", "地图测试畜禽")
    return make_product("地图测试猪 (demo)", pig, [township_in(LULIANG)])


# --- the product page ------------------------------------------------------------------


def test_product_page_focuses_the_public_layers_on_the_product(client, ham):
    html = page(client, ham.get_absolute_url())
    assert_no_geometry(html)
    config = detail_config(html)
    assert [layer["name"] for layer in config["layers"]] == [
        "counties",
        "prefectures",
        "areas",
        "producers",
        "townships",
    ]
    assert config["tiles"]["query"] == f"product={ham.pk}"
    urls = layer_urls(config)
    assert urls["producers"].startswith(f"/map/points/producers.json?product={ham.pk}&v=")
    assert urls["townships"].startswith(f"/map/points/townships.json?product={ham.pk}&v=")
    assert config["highlight"] == {"own": [XUANWEI], "approx": []}
    xmin, ymin, xmax, ymax = region(XUANWEI).geom_display.extent
    assert config["bbox"] == pytest.approx([xmin, ymin, xmax, ymax], abs=1e-3)
    assert config["permalink"] is False and config["search"] is False


def test_product_page_highlights_stand_in_counties(client, pork):
    config = detail_config(page(client, pork.get_absolute_url()))
    assert config["highlight"] == {"own": [], "approx": [LULIANG]}


def test_product_page_without_area_or_points_has_no_map(client):
    product = make_product("地图测试无范围 (demo)", make_category("map-test-x", "测试"), [])
    html = page(client, product.get_absolute_url())
    assert "detail-map-config" not in html and "leaflet.js" not in html
    assert "The protected area is not mapped." in html


def test_authorized_producers_of_a_product(client, ham, pork):
    lon, lat = region(XUANWEI).label_point.coords
    valid = make_authorized_producer("地图测试正品厂 (demo)", "91530381MAP000201", lon, lat, ham)
    make_authorized_producer(
        "地图测试暂停厂 (demo)", "91530381MAP000202", lon, lat, ham, status="suspended"
    )
    other = make_authorized_producer("地图测试猪厂 (demo)", "91530381MAP000203", lon, lat, pork)
    assert [r["id"] for r in points(client, "producers", f"product={ham.pk}")["rows"]] == [valid.pk]
    assert [r["id"] for r in points(client, "producers", f"product={pork.pk}")["rows"]] == [
        other.pk
    ]
    assert points(client, "producers")["count"] == 2  # the public map: every valid one


def test_township_products_of_a_product(client, ham, pork):
    mine = TownshipProduct.objects.create(
        township=township_in(XUANWEI), product_name="地图测试火腿乡 (demo)", gi_product=ham
    )
    TownshipProduct.objects.create(
        township=township_in(LULIANG), product_name="地图测试猪乡 (demo)", gi_product=pork
    )
    rows = points(client, "townships", f"product={ham.pk}")["rows"]
    assert [r["id"] for r in rows] == [mine.pk]


def test_area_tile_is_focused_on_the_product(client, ham):
    other = make_product("地图测试另一火腿 (demo)", ham.category, [region(XUANWEI)])
    body = get(client, tile_url("areas", *XUANWEI_TILE, f"product={ham.pk}")).content
    assert ham.name.encode() in body and other.name.encode() not in body
    both = get(client, tile_url("areas", *XUANWEI_TILE)).content
    assert other.name.encode() in both


@pytest.mark.parametrize("query", ["product=abc", "producer=1;2", "mark=x", "township_product=?"])
def test_bad_focus_is_a_400_naming_the_field(client, query):
    name = query.split("=")[0]
    layer = {"mark": "producers", "township_product": "townships"}.get(name, "producers")
    response = client.get(reverse("maps:points", kwargs={"layer": layer}) + "?" + query)
    assert response.status_code == 400
    assert name in response.json()["errors"]
    tile = client.get(tile_url("areas", *XUANWEI_TILE, "product=abc"))
    assert tile.status_code == 400 and "product" in tile.json()["errors"]


# --- the other detail pages --------------------------------------------------------------


def test_region_page_shows_everything_registered_inside(client, ham):
    html = page(client, f"/regions/{XUANWEI}/")
    assert_no_geometry(html)
    config = detail_config(html)
    assert config["tiles"]["query"] == f"region={XUANWEI}"
    assert layer_urls(config)["producers"].startswith(
        f"/map/points/producers.json?region={XUANWEI}"
    )
    assert config["highlight"] == {"own": [XUANWEI], "approx": []}
    shown = {layer["name"] for layer in config["layers"] if layer["on"]}
    assert shown == {"counties", "prefectures", "areas", "producers", "townships"}
    assert {"marks", "varieties"} <= {layer["name"] for layer in config["layers"]}


def test_township_page_highlights_its_county(client):
    township = township_in(LULIANG)
    config = detail_config(page(client, township.get_absolute_url()))
    assert config["highlight"] == {"own": [], "approx": [LULIANG]}
    xmin, ymin, xmax, ymax = region(LULIANG).geom_display.extent
    assert config["bbox"] == pytest.approx([xmin, ymin, xmax, ymax], abs=1e-3)


def test_province_page_is_unfiltered(client):
    config = detail_config(page(client, "/regions/"))
    assert config["tiles"]["query"] == "" and config["highlight"]["own"] == []


def test_producer_page_shows_its_location_sites_and_labelled_areas(client, ham):
    lon, lat = region(XUANWEI).label_point.coords
    producer = make_authorized_producer("地图测试地块厂 (demo)", "91530381MAP000301", lon, lat, ham)
    application = Application.objects.get(producer=producer)
    site = ProductionSite.objects.create(
        application=application,
        name="地图测试地块",
        geom=Polygon.from_bbox((lon + 0.1, lat + 0.1, lon + 0.11, lat + 0.11)),
    )
    html = page(client, producer.get_absolute_url())
    assert_no_geometry(html)
    config = detail_config(html)
    assert config["marker"] == {"lat": round(lat, 5), "lon": round(lon, 5), "name": producer.name}
    assert config["tiles"]["query"] == f"producer={producer.pk}"
    assert config["highlight"]["own"] == [XUANWEI]
    assert config["bbox"][2] >= lon + 0.11 and config["bbox"][3] >= lat + 0.11
    rows = points(client, "sites", f"producer={producer.pk}")["rows"]
    assert [(r["id"], r["name"], r["owner"]) for r in rows] == [
        (site.pk, "地图测试地块", producer.pk)
    ]
    body = get(client, tile_url("areas", *XUANWEI_TILE, f"producer={producer.pk}")).content
    assert ham.name.encode() in body


def test_producer_without_location_or_sites_has_no_map(client):
    from girrepo.validators import make_credit_code
    from producers.models import Producer

    producer = Producer.objects.create(
        name="地图测试无位置 (demo)",
        credit_code=make_credit_code("91530381MAP000302"),
        kind="enterprise",
    )
    html = client.get(producer.get_absolute_url()).content.decode()
    assert "detail-map-config" not in html


def test_mark_page_shows_origin_and_authorized_producers(client, ham):
    mark = GIMark.objects.create(name="地图测试商标 (demo)", mark_type="certification")
    township = township_in(LULIANG)
    mark.origin_regions.set([region(XUANWEI), township])
    config = detail_config(page(client, mark.get_absolute_url()))
    assert config["highlight"] == {"own": [XUANWEI], "approx": [LULIANG]}
    assert config["tiles"]["query"] == f"mark={mark.pk}"
    assert layer_urls(config)["producers"].startswith(f"/map/points/producers.json?mark={mark.pk}")


def test_variety_page_outlines_its_growing_regions(client):
    variety = PlantVariety.objects.create(
        denomination="地图测试品种 (demo)",
        species_zh="茶",
        species_latin="Camellia sinensis",
        plant_type=PlantType.WOODY_OTHER,
        is_demo=True,
    )
    variety.growing_regions.set([region(XUANWEI), township_in(LULIANG)])
    html = page(client, variety.get_absolute_url())
    assert_no_geometry(html)
    config = detail_config(html)
    assert config["highlight"] == {"own": [XUANWEI], "approx": [LULIANG]}
    assert config["tiles"]["query"] == f"variety={variety.pk}"
    tile = client.get(tile_url("varieties", *XUANWEI_TILE, "variety=abc"))
    assert tile.status_code == 400 and "variety" in tile.json()["errors"]


def test_township_product_page_shows_its_record_at_its_county(client, ham):
    record = TownshipProduct.objects.create(
        township=township_in(XUANWEI), product_name="地图测试记录 (demo)", gi_product=ham
    )
    config = detail_config(page(client, record.get_absolute_url()))
    assert config["highlight"] == {"own": [], "approx": [XUANWEI]}
    query = QueryDict(layer_urls(config)["townships"].split("?", 1)[1])
    assert query["township_product"] == str(record.pk) and query["product"] == str(ham.pk)
    assert [
        r["id"] for r in points(client, "townships", f"township_product={record.pk}")["rows"]
    ] == [record.pk]


# --- the township-product category filter ---------------------------------------------


def test_township_product_filterset_filters_by_category(ham):
    tea = make_category("map-test-tea", "地图测试茶")
    meat = ham.category
    with_tea = TownshipProduct.objects.create(
        township=township_in(XUANWEI), product_name="地图测试茶乡 (demo)", category=tea
    )
    TownshipProduct.objects.create(
        township=township_in(LULIANG), product_name="地图测试肉乡 (demo)", category=meat
    )
    found = TownshipProductFilterSet({"category": ["map-test-tea"]}).qs
    assert list(found.values_list("pk", flat=True)) == [with_tea.pk]
    bad = TownshipProductFilterSet({"category": ["no-such-category"]})
    assert not bad.is_valid() and "category" in bad.errors


def test_map_township_layer_uses_the_category_filter(client):
    tea = make_category("map-test-tea", "地图测试茶")
    record = TownshipProduct.objects.create(
        township=township_in(XUANWEI), product_name="地图测试茶乡 (demo)", category=tea
    )
    TownshipProduct.objects.create(
        township=township_in(LULIANG), product_name="地图测试无类 (demo)"
    )
    rows = points(client, "townships", "category=map-test-tea")["rows"]
    assert [r["id"] for r in rows] == [record.pk]
    response = client.get(reverse("maps:points", kwargs={"layer": "townships"}) + "?category=nope")
    assert response.status_code == 400 and "category" in response.json()["errors"]


# --- zoomed out: the server clusters ---------------------------------------------------


def test_zoomed_out_points_come_as_cells_and_lone_points(client, ham):
    lon, lat = region(XUANWEI).label_point.coords
    pair = [
        make_authorized_producer(f"地图测试近厂{i} (demo)", f"91530381MAP00040{i}", lon, lat, ham)
        for i in range(2)
    ]
    far_lon, far_lat = region(LULIANG).label_point.coords
    alone = make_authorized_producer(
        "地图测试远厂 (demo)", "91530381MAP000409", far_lon, far_lat, ham
    )
    overview = points(client, "producers", "z=6")
    assert overview["complete"] is False and overview["count"] == 3
    assert [r["id"] for r in overview["rows"]] == [alone.pk]  # alone in its cell: a point
    assert [cell[0] for cell in overview["clusters"]] == [2]
    assert overview["clusters"][0][1] == pytest.approx(lon, abs=1e-4)
    full = points(client, "producers", "z=9")
    assert full["complete"] is True and full["clusters"] == []
    assert sorted(r["id"] for r in full["rows"]) == sorted(p.pk for p in [*pair, alone])
