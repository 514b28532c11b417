"""Production sites as applicants have them: drawn, uploaded or typed, in any supported CRS.

Everything returns WGS-84 GEOS geometries (points, polygons, multipolygons) or raises a
``ValidationError`` that says what to fix. The coordinate system is always one of the
fixed ``regions.coords.CRS`` choices: a file's own SRS definition is never handed to
GDAL (GDAL 3.6 cannot stop a crafted SRS from reading files or the network), so a
shapefile's ``.prj`` is read here as text only and left out of what GDAL opens, and
GeoJSON is parsed by Python, not by an OGR driver.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point, Polygon, WKBWriter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from regions import coords

SITE_TYPES = ("Point", "Polygon", "MultiPolygon")
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_SITES = 200
MAX_VERTICES = 200_000
# Shapefile members GDAL may see; .prj is deliberately not among them.
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".cpg")
NAME_KEYS = ("name", "Name", "NAME", "名称", "地块名称", "title")
_DEGREE_CRS = re.compile(r"(CRS84|EPSG:{1,2}4326|EPSG:{1,2}4490)\b", re.IGNORECASE)


def _error(message, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params)


# --- checking and converting ---------------------------------------------------------------


def _vertices(geom: GEOSGeometry) -> np.ndarray:
    if isinstance(geom, Point):
        return np.array([geom.coords[:2]], dtype=float)
    if isinstance(geom, Polygon):
        return np.concatenate([np.asarray(ring.coords, dtype=float)[:, :2] for ring in geom])
    return np.concatenate([_vertices(part) for part in geom])


def site_geometry(geom: GEOSGeometry, crs: str | coords.CRS | None) -> GEOSGeometry:
    """Check a site as entered (type, every vertex inside Yunnan, not swapped) and return it
    in WGS-84, without Z, valid, as a Point, Polygon or MultiPolygon."""
    if geom.empty:
        raise _error(_("The site has no coordinates."), "empty")
    if geom.geom_type not in SITE_TYPES:
        raise _error(
            _("A site is a point, a polygon or a multipolygon, not %(type)s."),
            "geometry_type",
            type=geom.geom_type,
        )
    if geom.num_coords > MAX_VERTICES:
        raise _error(
            _("The site has %(n)d vertices; the limit is %(limit)d. Simplify it first."),
            "too_many_vertices",
            n=geom.num_coords,
            limit=MAX_VERTICES,
        )
    xy = _vertices(geom)
    xmin, ymin, xmax, ymax = coords.YUNNAN_EXTENT
    outside = ~((xy[:, 0] >= xmin) & (xy[:, 0] <= xmax) & (xy[:, 1] >= ymin) & (xy[:, 1] <= ymax))
    if outside.any():
        lon, lat = xy[int(np.argmax(outside))]
        coords.check_in_yunnan(float(lon), float(lat))  # raises, saying swapped / elsewhere
    out = coords.geometry_to_wgs84(_drop_z(geom), crs)
    if not out.valid:
        raise _error(
            _("The site geometry is invalid: %(reason)s. A boundary must not cross itself."),
            "invalid",
            reason=out.valid_reason,
        )
    return out


def _drop_z(geom: GEOSGeometry) -> GEOSGeometry:
    if not geom.hasz:
        return geom
    # KML carries heights (lon,lat,0); a site is 2D, so write XY-only WKB and read it back.
    flat = GEOSGeometry(memoryview(WKBWriter(dim=2).write(geom)))
    flat.srid = geom.srid
    return flat


# --- GeoJSON (drawn on the map or uploaded) ------------------------------------------------


def _geojson_geometry(obj: dict) -> GEOSGeometry:
    if not isinstance(obj, dict) or "type" not in obj or "coordinates" not in obj:
        raise _error(_("Not a GeoJSON geometry: it needs a type and coordinates."), "not_geojson")
    if obj["type"] not in SITE_TYPES:
        raise _error(
            _("A site is a point, a polygon or a multipolygon, not %(type)s."),
            "geometry_type",
            type=str(obj["type"])[:40],
        )
    # Only type and coordinates reach GDAL's parser: never a "crs" member.
    clean = json.dumps({"type": obj["type"], "coordinates": obj["coordinates"]})
    try:
        geom = GEOSGeometry(clean)
    except (GDALException, GEOSException, ValueError, TypeError) as exc:
        raise _error(
            _("The GeoJSON coordinates cannot be read: %(detail)s."),
            "bad_coordinates",
            detail=str(exc)[:200],
        ) from exc
    geom.srid = None
    return geom


def _declared_crs_ok(data: dict) -> None:
    crs = data.get("crs")
    if not crs:
        return
    name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else ""
    if not _DEGREE_CRS.search(name):
        raise _error(
            _(
                "The file declares the coordinate system %(name)s. Export it in longitude and "
                "latitude degrees (WGS-84 or CGCS2000) and upload it again."
            ),
            "projected",
            name=name[:80] or "?",
        )


def sites_from_geojson(text: str | bytes, crs=coords.CRS.WGS84) -> list[tuple[str, GEOSGeometry]]:
    """(name, WGS-84 geometry) for each feature of a GeoJSON geometry, Feature or collection."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _error(_("This is not valid JSON: %(detail)s."), "bad_json", detail=exc) from exc
    if not isinstance(data, dict):
        raise _error(_("Not a GeoJSON object."), "not_geojson")
    _declared_crs_ok(data)
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features") or []
    elif kind == "Feature":
        features = [data]
    else:
        features = [{"type": "Feature", "geometry": data, "properties": {}}]
    if not features:
        raise _error(_("The file holds no features."), "empty")
    if len(features) > MAX_SITES:
        raise _error(
            _("The file holds %(n)d features; upload at most %(limit)d sites at once."),
            "too_many_sites",
            n=len(features),
            limit=MAX_SITES,
        )
    sites = []
    for n, feature in enumerate(features, 1):
        props = (feature or {}).get("properties") or {}
        name = next((str(props[k]) for k in NAME_KEYS if props.get(k)), "")
        try:
            geom = site_geometry(_geojson_geometry((feature or {}).get("geometry")), crs)
        except ValidationError as exc:
            raise _numbered(exc, n) from exc
        sites.append((name[:200], geom))
    return sites


def _numbered(exc: ValidationError, n: int) -> ValidationError:
    return _error(_("Feature %(n)d: %(error)s"), "feature", n=n, error=" ".join(exc.messages))


# --- files read with GDAL ------------------------------------------------------------------


def _read_layer(path: str, crs) -> list[tuple[str, GEOSGeometry]]:
    # Names in a shapefile without a .cpg are often GBK; GDAL hands such bytes on as is.
    for encoding in ("utf-8", "gb18030"):
        try:
            return _read_features(path, crs, encoding)
        except UnicodeDecodeError:
            continue
    return _read_features(path, crs, "latin-1")  # pragma: no cover - every byte decodes


def _read_features(path: str, crs, encoding: str) -> list[tuple[str, GEOSGeometry]]:
    try:
        ds = DataSource(path, encoding=encoding)
    except GDALException as exc:
        raise _error(
            _("GDAL cannot read this file: %(detail)s."), "unreadable", detail=str(exc)[:200]
        ) from exc
    sites = []
    for layer in ds:
        fields = set(layer.fields)
        name_field = next((k for k in NAME_KEYS if k in fields), None)
        for feature in layer:
            if len(sites) >= MAX_SITES:
                raise _error(
                    _("The file holds more than %(limit)d features; upload fewer sites at once."),
                    "too_many_sites",
                    limit=MAX_SITES,
                )
            geom = GEOSGeometry(memoryview(bytes(feature.geom.wkb)))
            geom.srid = None
            try:
                geom = site_geometry(geom, crs)
            except ValidationError as exc:
                raise _numbered(exc, len(sites) + 1) from exc
            name = str(feature.get(name_field) or "") if name_field else ""
            sites.append((name[:200], geom))
    if not sites:
        raise _error(_("The file holds no features."), "empty")
    return sites


def _shapefile_zip(data: bytes, workdir: Path) -> Path:
    """Copy the shapefile parts GDAL needs into a new zip; refuse a projected .prj."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _error(_("This is not a readable zip file."), "bad_zip") from exc
    members = [m for m in archive.infolist() if not m.is_dir()]
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise _error(
            _("The zip unpacks to more than %(limit)d MB."),
            "zip_too_large",
            limit=MAX_UNZIPPED_BYTES // 1024 // 1024,
        )
    shps = [m for m in members if m.filename.lower().endswith(".shp")]
    if len(shps) != 1:
        raise _error(
            _("The zip must hold exactly one shapefile (.shp with its .shx and .dbf)."),
            "shapefile_count",
        )
    stem = shps[0].filename[:-4]
    by_ext = {m.filename[len(stem) :].lower(): m for m in members if m.filename.startswith(stem)}
    if ".prj" in by_ext:
        prj = archive.read(by_ext[".prj"]).decode("utf-8", "replace")
        if prj.lstrip().upper().startswith("PROJCS") or "PROJCRS" in prj.upper():
            raise _error(
                _(
                    "The shapefile is in a projected coordinate system (metres). Export it in "
                    "longitude and latitude degrees (WGS-84 or CGCS2000) and upload it again."
                ),
                "projected",
            )
    out = workdir / "sites.zip"
    with zipfile.ZipFile(out, "w") as clean:
        for ext in SHAPEFILE_PARTS:
            if ext in by_ext:
                clean.writestr(f"sites{ext}", archive.read(by_ext[ext]))
    return out


def sites_from_upload(upload, crs=coords.CRS.WGS84) -> list[tuple[str, GEOSGeometry]]:
    """Sites from an uploaded GeoJSON, KML or zipped shapefile, recognised by content."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise _error(
            _("The file is %(mb).1f MB; the limit is %(limit)d MB."),
            "file_too_large",
            mb=size / 1024 / 1024,
            limit=MAX_FILE_BYTES // 1024 // 1024,
        )
    upload.seek(0)
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _error(
            _("The file is larger than %(limit)d MB."),
            "file_too_large",
            limit=MAX_FILE_BYTES // 1024 // 1024,
        )
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK\x03\x04"):
        with tempfile.TemporaryDirectory(prefix="girrepo-sites-") as tmp:
            path = _shapefile_zip(data, Path(tmp))
            return _read_layer(f"/vsizip/{path}/sites.shp", crs)
    if head.startswith(b"{"):
        return sites_from_geojson(data, crs)
    if head.startswith(b"<") and b"<kml" in data[:4096]:
        # KML is WGS-84 by definition; GCJ-02 exports are still converted if chosen.
        with tempfile.NamedTemporaryFile(suffix=".kml") as tmp:
            tmp.write(data)
            tmp.flush()
            return _read_layer(tmp.name, crs)
    raise _error(
        _("Upload GeoJSON, KML or a zipped shapefile (recognised by content, not by name)."),
        "unknown_format",
    )


# --- typed coordinates ---------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s,，;；]+")


def _number(text: str, name) -> float:
    try:
        return float(text)
    except ValueError:
        raise _error(
            _("%(name)s must be a number in decimal degrees, not %(value)s."),
            "not_a_number",
            name=name,
            value=repr(text[:40]),
        ) from None


def site_from_coordinates(text: str, crs=coords.CRS.WGS84) -> GEOSGeometry:
    """One "longitude, latitude" pair per line: one line is a point, three or more a polygon."""
    pairs = []
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        parts = [p for p in _SEPARATORS.split(line) if p]
        if len(parts) != 2:
            raise _error(
                _("Line %(n)d: write the longitude and the latitude, e.g. 104.10, 26.22."),
                "line_format",
                n=n,
            )
        try:
            lon, lat = _number(parts[0], _("Longitude")), _number(parts[1], _("Latitude"))
            coords.check_in_yunnan(lon, lat)
        except ValidationError as exc:
            raise _error(
                _("Line %(n)d: %(error)s"), "line", n=n, error=" ".join(exc.messages)
            ) from exc
        pairs.append((lon, lat))
    if not pairs:
        raise _error(_("Type at least one longitude, latitude pair."), "empty")
    if len(pairs) == 1:
        return site_geometry(Point(*pairs[0]), crs)
    if pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    if len(pairs) < 4:
        raise _error(
            _("A polygon needs at least three corners; one line alone is a point."), "too_few"
        )
    return site_geometry(Polygon(pairs), crs)
