"""``load_regions --file``: agency boundary files in any GDAL format and CRS."""

import json
import shutil
import subprocess
import zipfile

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from regions.models import Region
from regions.selectors import region_at

pytestmark = pytest.mark.django_db
OGR2OGR = shutil.which("ogr2ogr")


def write_geojson(path, features):
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": props, "geometry": json.loads(geom.geojson)}
                    for props, geom in features
                ],
            }
        ),
        encoding="utf-8",
    )
    return path


def convert(src, dst, fmt, srs="EPSG:4490"):
    subprocess.run([OGR2OGR, "-f", fmt, "-a_srs", srs, str(dst), str(src)], check=True)
    return dst


@pytest.fixture
def wuhua_shrunk():
    """五华区's boundary shrunk by ~100 m: an 'official' boundary that differs visibly."""
    region = Region.objects.get(code="530102")
    shrunk = region.geom.buffer(-0.001)
    if shrunk.geom_type == "Polygon":
        from django.contrib.gis.geos import MultiPolygon

        shrunk = MultiPolygon(shrunk, srid=4326)
    return region, shrunk


@pytest.mark.parametrize("fmt,suffix", [("GPKG", ".gpkg"), ("ESRI Shapefile", ".shp")])
def test_replace_county_boundary_from_cgcs2000_file(tmp_path, wuhua_shrunk, fmt, suffix):
    region, shrunk = wuhua_shrunk
    children_before = region.children.count()
    src = write_geojson(tmp_path / "in.geojson", [({"XZQDM": "530102", "XZQMC": "五华区"}, shrunk)])
    path = convert(src, tmp_path / f"official{suffix}", fmt)
    if suffix == ".shp":  # agencies send shapefiles zipped
        with zipfile.ZipFile(tmp_path / "official.zip", "w") as zf:
            for part in tmp_path.glob("official.*"):
                if part.suffix != ".zip":
                    zf.write(part, part.name)
        path = tmp_path / "official.zip"
    call_command("load_regions", file=str(path), level="county", code_field="XZQDM", verbosity=0)
    after = Region.objects.get(code="530102")
    assert after.pk == region.pk  # the same row: links to it survive
    assert after.children.count() == children_before
    assert after.boundary_source_crs == "EPSG:4490"
    assert after.boundary_source.startswith("official")
    assert abs(after.geom.area - shrunk.area) / shrunk.area < 1e-6
    assert after.geom.area < region.geom.area
    assert after.geom_display is not None


def test_township_boundary_makes_region_at_answer_the_township(tmp_path):
    county = Region.objects.get(code="530102")
    town = county.children.order_by("code").first()
    # Pretend the agency's township polygon is the county's west half.
    xmin, ymin, xmax, ymax = county.geom.extent
    from django.contrib.gis.geos import Polygon

    half = county.geom.intersection(Polygon.from_bbox((xmin, ymin, (xmin + xmax) / 2, ymax)))
    src = write_geojson(tmp_path / "towns.geojson", [({"code": town.code}, half)])
    path = convert(src, tmp_path / "towns.gpkg", "GPKG", srs="EPSG:4326")
    call_command("load_regions", file=str(path), level="township", verbosity=0)
    inside = half.point_on_surface
    loc = region_at(point=Point(inside.x, inside.y, srid=4326))
    assert loc.township == town
    assert loc.county == county


def test_unknown_field_is_named(tmp_path, wuhua_shrunk):
    _, shrunk = wuhua_shrunk
    src = write_geojson(tmp_path / "in.geojson", [({"XZQDM": "530102"}, shrunk)])
    with pytest.raises(CommandError, match="no field 'CODE'.*XZQDM"):
        call_command("load_regions", file=str(src), level="county", code_field="CODE", srid=4326)


def test_bad_code_rolls_back_everything(tmp_path, wuhua_shrunk):
    region, shrunk = wuhua_shrunk
    src = write_geojson(
        tmp_path / "in.geojson", [({"c": "530102"}, shrunk), ({"c": "53XX"}, shrunk)]
    )
    with pytest.raises(CommandError, match="nothing was saved.*6 digits"):
        call_command("load_regions", file=str(src), level="county", code_field="c", srid=4326)
    assert Region.objects.get(code="530102").geom.equals_exact(region.geom, 1e-12)


def test_missing_file_and_unregistered_code(tmp_path, wuhua_shrunk, capsys):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_regions", file=str(tmp_path / "nope.gpkg"), level="county")
    _, shrunk = wuhua_shrunk
    src = write_geojson(tmp_path / "in.geojson", [({"code": "539999"}, shrunk)])
    call_command("load_regions", file=str(src), level="county", srid=4326, verbosity=0)
    assert "no such county registered" in capsys.readouterr().err
    assert not Region.objects.filter(code="539999").exists()
