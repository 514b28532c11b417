"""Reading any GDAL-readable file of sites into PostgreSQL, fast.

``ogr2ogr`` writes the features as a PGDUMP ``COPY`` block to stdout; a reader
thread hands its data lines to ``COPY … FROM STDIN`` on Django's own connection,
so GDAL and PostgreSQL work at the same time and the rows land in the caller's
transaction. Only fixed EPSG integers ever reach GDAL (see ``regions.coords``).
"""

import io
import os
import queue
import subprocess
import tempfile
import threading

import numpy as np
from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry

from regions.coords import CRS, array_to_wgs84, geometry_to_wgs84

OGR2OGR = os.environ.get("GIRREPO_OGR2OGR", "ogr2ogr")
CSV_OPEN_OPTIONS = (
    "GEOM_POSSIBLE_NAMES=wkt,geom,geometry,the_geom,WKT",
    "X_POSSIBLE_NAMES=lon,lng,longitude,x,经度",
    "Y_POSSIBLE_NAMES=lat,latitude,y,纬度",
    "KEEP_GEOM_COLUMNS=NO",
)
_CHUNK = 1 << 20


class ScreeningError(Exception):
    """The file cannot be screened (unreadable, unknown layer or field, bad options)."""


def source_name(path: str) -> str:
    return f"/vsizip/{path}" if str(path).lower().endswith(".zip") else str(path)


def inspect_source(source: str, layer: str | None, id_field: str | None):
    """Open the file once with GDAL to check the layer and field and read its SRS."""
    try:
        ds = DataSource(source)
    except GDALException as exc:
        raise ScreeningError(f"GDAL cannot read {source}: {exc}") from exc
    names = [lyr.name for lyr in ds]
    if layer is not None and layer not in names:
        raise ScreeningError(f"no layer {layer!r}; the file has: {', '.join(names)}")
    lyr = ds[layer] if layer is not None else ds[0]
    if '"' in lyr.name or (id_field is not None and '"' in id_field):
        raise ScreeningError("layer and field names must not contain double quotes")
    if id_field is not None and id_field not in lyr.fields:
        raise ScreeningError(
            f"no field {id_field!r}; layer {lyr.name} has: {', '.join(lyr.fields)}"
        )
    return lyr.name, lyr.srs is not None


def _ogr2ogr_args(source, layer, id_field, crs: CRS | None, has_srs: bool) -> list[str]:
    args = [OGR2OGR, "-f", "PGDUMP", "/vsistdout/", source]
    if id_field is not None:
        args += [layer, "-select", id_field]
    else:
        # No id field: the feature id, and none of the (possibly many) attributes.
        args += ["-dialect", "OGRSQL", "-sql", f'SELECT FID AS site_id FROM "{layer}"']
    args += [
        "-nln",
        "screen_src",
        "-dim",
        "XY",
        "-gt",
        "unlimited",
        "--config",
        "PG_USE_COPY",
        "YES",
    ]
    for lco in ("CREATE_TABLE=OFF", "DROP_TABLE=OFF", "SPATIAL_INDEX=NONE", "GEOMETRY_NAME=geom"):
        args += ["-lco", lco]
    args += ["-lco", "LAUNDER=NO"]
    if source.lower().endswith(".csv"):
        for oo in CSV_OPEN_OPTIONS:
            args += ["-oo", oo]
    # Only fixed EPSG integers ever reach GDAL (see regions.coords).
    if crs == CRS.CGCS2000:
        args += ["-s_srs", "EPSG:4490", "-t_srs", "EPSG:4326"]
    elif crs is not None or not has_srs:
        args += ["-a_srs", "EPSG:4326"]
    else:
        args += ["-t_srs", "EPSG:4326"]
    return args


class _CopyStream:
    """File-like view of the data lines of PGDUMP's ``COPY`` block, read by a thread.

    The reader thread keeps ogr2ogr writing while PostgreSQL parses, so the two
    overlap instead of taking turns through a 64 KiB pipe. ``read`` returns whole
    lines only, so the end marker (a line holding ``\\.``) is always found.
    """

    def __init__(self, proc: subprocess.Popen):
        self.proc, self.q = proc, queue.Queue(maxsize=32)
        self.buf, self.done, self.eof, self.columns = b"", False, False, None
        threading.Thread(target=self._pump, daemon=True).start()
        self._header()

    def _pump(self) -> None:
        fd = self.proc.stdout.fileno()
        while True:
            chunk = os.read(fd, _CHUNK)
            self.q.put(chunk)
            if not chunk:
                return

    def _more(self) -> bytes:
        if self.eof:
            return b""
        chunk = self.q.get()
        self.eof = not chunk
        return chunk

    def _header(self) -> None:
        buf = b""
        while True:
            start = buf.find(b"COPY ")
            end = buf.find(b"\n", start) if start >= 0 else -1
            if end >= 0:
                line = buf[start:end].decode()
                cols = line[line.index("(") + 1 : line.rindex(")")]
                self.columns = [c.strip().strip('"') for c in cols.split(",")]
                self.buf = buf[end + 1 :]
                return
            chunk = self._more()
            if not chunk:
                self.done = True  # no COPY block: ogr2ogr failed
                return
            buf += chunk

    def read(self, size: int = -1) -> bytes:
        while not self.done:
            data, self.buf = self.buf + self._more(), b""
            cut = data.rfind(b"\n")
            if cut < 0:
                if self.eof:
                    self.done = True
                    return b""
                self.buf = data
                continue
            lines, self.buf = data[: cut + 1], data[cut + 1 :]
            if lines.startswith(b"\\.\n"):
                self.done = True
                return b""
            end = lines.find(b"\n\\.\n")
            if end >= 0:
                self.done = True
                return lines[: end + 1]
            return lines
        return b""

    readline = read

    def drain(self) -> None:
        while self._more():
            pass


def load_file(cur, source, layer, id_field, crs, has_srs, table: str) -> None:
    args = _ogr2ogr_args(source, layer, id_field, crs, has_srs)
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors)
        stream = _CopyStream(proc)
        columns = stream.columns or ["geom"]
        defs = ", ".join(f'"{c}" {"geometry" if c == "geom" else "text"}' for c in columns)
        cur.execute(
            f"CREATE UNLOGGED TABLE {table} (_row bigint GENERATED ALWAYS AS IDENTITY, {defs})"
        )
        if stream.columns:
            quoted = ", ".join(f'"{c}"' for c in columns)
            cur.cursor.copy_expert(f"COPY {table} ({quoted}) FROM STDIN", stream, size=_CHUNK)
        stream.drain()
        if proc.wait() != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()
            raise ScreeningError(f"ogr2ogr failed: {message[:500]}")
    if id_field is not None and id_field != "site_id":
        cur.execute(f'ALTER TABLE {table} RENAME COLUMN "{id_field}" TO site_id')
    elif "site_id" not in columns:
        cur.execute(f"ALTER TABLE {table} ADD COLUMN site_id text")


def convert_offsets(cur, table: str, crs: CRS) -> None:
    """GCJ-02 / BD-09 are not projections GDAL knows: shift every vertex in numpy.

    Points, the bulk of any large file, are converted as one array.
    """
    cur.execute(
        f"SELECT _row, ST_X(geom), ST_Y(geom) FROM {table} WHERE GeometryType(geom) = 'POINT'"
    )
    found = cur.fetchall()
    lines = []
    if found:
        ids = [r[0] for r in found]
        xy = array_to_wgs84(np.array([r[1:] for r in found], dtype=float), crs)
        lines = [
            f"{n}\tSRID=4326;POINT({x:.12f} {y:.12f})\n" for n, (x, y) in zip(ids, xy, strict=True)
        ]
    cur.execute(
        f"SELECT _row, ST_AsBinary(geom) FROM {table} "
        f"WHERE geom IS NOT NULL AND GeometryType(geom) <> 'POINT'"
    )
    for n, wkb in cur.fetchall():
        geom = geometry_to_wgs84(GEOSGeometry(memoryview(wkb), srid=4326), crs)
        lines.append(f"{n}\tSRID=4326;{geom.wkt}\n")
    cur.execute("CREATE TEMP TABLE screen_shift (n bigint, geom geometry) ON COMMIT DROP")
    cur.cursor.copy_expert("COPY screen_shift FROM STDIN", io.StringIO("".join(lines)))
    cur.execute(f"UPDATE {table} t SET geom = s.geom FROM screen_shift s WHERE s.n = t._row")
    cur.execute("DROP TABLE screen_shift")
