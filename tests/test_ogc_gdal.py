"""A real OGC API – Features client reads /ogc/: GDAL's OAPIF driver (Debian's gdal-bin)
against the live test server, over committed data.

Counties and prefectures are the real regions the session loads; the protected-area
collection gets 宣威火腿 (area 宣威市 530381, DATA.md), committed for the live server
and deleted afterwards.
"""

import json
import re
import subprocess
import threading

import pytest
from django.core.cache import cache
from django.db import connection

from products.models import Category, GIProduct
from tests.label_factories import ham_product

GDAL_TIMEOUT = 120


# Marked so that the session sets up the test database: unmarked, a lone live-server
# test would run against whatever database the settings name.
pytestmark = pytest.mark.django_db


def in_own_connection(fn):
    """Run ``fn`` in a thread, on its own autocommitting connection: what it writes is
    committed, and so visible to the live server, whatever the test's transaction."""
    result = {}

    def target():
        try:
            result["value"] = fn()
        except BaseException as exc:  # re-raised in the test's thread below
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _create():
    assert connection.settings_dict["NAME"].startswith("test_")
    return ham_product()


def _delete(product):
    category = product.category
    GIProduct.objects.filter(pk=product.pk).delete()
    Category.objects.filter(pk=category.pk, products__isnull=True).delete()


@pytest.fixture
def committed_ham(app_server):
    cache.clear()
    product = in_own_connection(_create)
    yield product
    in_own_connection(lambda: _delete(product))


def ogrinfo(*args: str) -> str:
    result = subprocess.run(
        ["ogrinfo", "-ro", *args],
        capture_output=True,
        text=True,
        timeout=GDAL_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def feature_count(url: str, layer: str) -> int:
    summary = ogrinfo("-so", f"OAPIF:{url}", layer)
    return int(re.search(r"Feature Count: (\d+)", summary)[1])


def test_gdal_reads_counties_and_protected_areas(app_server, committed_ham, tmp_path):
    url = f"{app_server.url}/ogc"
    layers = ogrinfo(f"OAPIF:{url}")
    for collection in ("counties", "prefectures", "protected-areas", "authorized-producers"):
        assert collection in layers

    assert feature_count(url, "counties") == 129
    assert feature_count(url, "prefectures") == 16
    assert feature_count(url, "protected-areas") == 1

    # Reading every feature follows the next links page by page (10 per page by default).
    out = tmp_path / "counties.geojson"
    subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{url}", "counties"],
        check=True,
        capture_output=True,
        timeout=GDAL_TIMEOUT,
    )
    features = json.loads(out.read_text())["features"]
    assert len({feat["properties"]["code"] for feat in features}) == 129
    area = ogrinfo(f"OAPIF:{url}", "protected-areas")
    assert "宣威火腿" in area and "MULTIPOLYGON" in area
