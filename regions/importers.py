"""Read an agency's own boundary file (any GDAL-readable format) into region records.

An agency usually holds official boundaries in CGCS2000 (EPSG:4490) as a
shapefile or GeoPackage. Regions are matched by code, so replacing a boundary
keeps the region row and everything linked to it.
"""

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException, OGRGeometry, SpatialReference
from django.contrib.gis.geos import MultiPolygon

from . import coords
from .choices import CODE_LENGTH, CodeSystem, RegionLevel
from .models import Region
from .sources import RegionRecord, unit_type_for

WGS84 = SpatialReference(4326)
LEVEL_ORDER = [c for c, _ in RegionLevel.choices]


class BoundaryFileError(Exception):
    """The file, a layer, a field or a row cannot be used; the message says which."""


def _parent_code(level: str, code: str) -> str | None:
    """The parent code implied by a code's digits (GB/T 2260 / statistical structure)."""
    return {
        RegionLevel.PROVINCE: None,
        RegionLevel.PREFECTURE: code[:2] + "0000",
        RegionLevel.COUNTY: code[:4] + "00",
        RegionLevel.TOWNSHIP: code[:6],
    }[level]


def _open_layer(path: str, layer):
    p = Path(path)
    if not p.exists():
        raise BoundaryFileError(f"{path}: no such file")
    source = f"/vsizip/{p}" if p.suffix.lower() == ".zip" else str(p)
    try:
        ds = DataSource(source)
    except GDALException as exc:
        raise BoundaryFileError(f"{path}: GDAL cannot read it ({exc})") from exc
    try:
        return ds, ds[int(layer) if str(layer).isdigit() else layer]
    except (IndexError, KeyError, GDALException) as exc:
        names = ", ".join(lyr.name for lyr in ds)
        raise BoundaryFileError(f"{path}: no layer {layer!r} (layers: {names})") from exc


def _to_wgs84(geom: OGRGeometry, srs: SpatialReference | None, crs: str | None):
    if crs:
        return coords.geometry_to_wgs84(geom.geos, crs)
    if srs is None:
        raise BoundaryFileError("the file declares no coordinate system: pass --srid or --crs")
    geom.transform(WGS84)
    out = geom.geos
    out.srid = 4326
    return out


def iter_boundary_file(
    *,
    path: str,
    layer=0,
    code_field: str,
    name_field: str | None,
    level: str,
    srid: int | None = None,
    crs: str | None = None,
    add_missing: bool = False,
    report: Callable[[str], None] = print,
) -> Iterator[RegionRecord]:
    ds, lyr = _open_layer(path, layer)
    fields = lyr.fields
    for wanted in filter(None, [code_field, name_field]):
        if wanted not in fields:
            raise BoundaryFileError(f"{path}: no field {wanted!r} (fields: {', '.join(fields)})")
    srs = SpatialReference(srid) if srid else lyr.srs
    crs = coords.parse_crs(crs) if crs else None
    source_crs = crs.label if crs else (f"EPSG:{srs.srid}" if srs and srs.srid else "file SRS")
    existing = {r.code: r for r in Region.objects.filter(level=level).select_related("parent")}
    records = []
    for n, feature in enumerate(lyr, 1):
        code = str(feature.get(code_field)).strip()
        where = f"{path} feature {n} (code {code!r})"
        if not code.isdigit() or len(code) != CODE_LENGTH[level]:
            raise BoundaryFileError(f"{where}: a {level} code must be {CODE_LENGTH[level]} digits")
        geom = feature.geom.clone()
        if srs is not None and not crs:
            geom.srs = srs
        geos = _to_wgs84(geom, srs, crs)
        if geos.geom_type == "Polygon":
            geos = MultiPolygon(geos, srid=4326)
        if geos.geom_type != "MultiPolygon":
            raise BoundaryFileError(f"{where}: a boundary must be a polygon, not {geos.geom_type}")
        region = existing.get(code)
        if region is None and not add_missing:
            report(f"skipped {where}: no such {level} registered (use --add-missing to create)")
            continue
        name = region.name if region else str(feature.get(name_field)) if name_field else ""
        if not name:
            raise BoundaryFileError(f"{where}: new region needs a name: pass --name-field")
        unit_type, is_admin = unit_type_for(level, name, code)
        records.append(
            RegionRecord(
                code=code,
                name=name,
                level=level,
                parent_code=region.parent.code
                if region and region.parent
                else _parent_code(level, code),
                unit_type=region.unit_type if region else unit_type,
                is_administrative=region.is_administrative if region else is_admin,
                code_system=region.code_system if region else CodeSystem.AGENCY,
                code_source=region.code_source if region else f"{Path(path).name}",
                geometry=lambda g=geos: g,
                boundary_source=f"{Path(path).name} (layer {lyr.name})",
                boundary_source_crs=source_crs,
                checksum=hashlib.sha256(geos.wkb).hexdigest(),
            )
        )
    del ds
    records.sort(key=lambda r: (LEVEL_ORDER.index(r.level), r.code))
    yield from records
