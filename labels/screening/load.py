"""Reading any GDAL-readable file of sites into PostgreSQL, fast, in lanes.

``Feed``: ``ogr2ogr`` writes the features as a PGDUMP ``COPY`` block to stdout; a
pump thread cuts its data into blocks of whole lines and deals them to the lanes,
each of which hands them to ``COPY … FROM STDIN`` on its connection, so GDAL and
PostgreSQL work at the same time. ``GpkgFeed``: for a GeoPackage of 2-D WGS-84
points, SQLite itself writes the ``COPY`` lines (a third of ogr2ogr's CPU time),
one fid range per lane. Only fixed EPSG integers ever reach GDAL (see
``regions.coords``).
"""

import io
import os
import queue
import sqlite3
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


class Interrupted(ScreeningError):
    """Another lane failed, and this one stopped."""


def source_name(path: str) -> str:
    return f"/vsizip/{path}" if str(path).lower().endswith(".zip") else str(path)


def inspect_source(source: str, layer: str | None, id_field: str | None):
    """Open the file once with GDAL: check the layer and field; its name, SRS, size.

    The size is the feature count when the driver knows it cheaply, else -1.
    """
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
    return lyr.name, lyr.srs is not None, lyr.num_feat


def ogr2ogr_args(source, layer, id_field, crs: CRS | None, has_srs: bool) -> list[str]:
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


class Feed:
    """ogr2ogr's PGDUMP ``COPY`` data, dealt to ``lanes`` readers in blocks of whole lines.

    A pump thread reads ogr2ogr's stdout, finds the ``COPY`` header (the columns),
    cuts the data at line ends and hands the blocks round-robin to one queue per
    lane, so GDAL and PostgreSQL work at the same time instead of taking turns
    through a 64 KiB pipe. Each lane's ``COPY … FROM STDIN`` reads its queue
    (``stream(k)``). With ``bounded=False`` the queues buffer everything, so that
    the lanes can be loaded one after the other on a single connection.
    """

    geometry_type = "geometry"

    def __init__(self, args: list[str], lanes: int = 1, *, bounded: bool = True):
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.errors)
        self.queues = [queue.Queue(maxsize=32 if bounded else 0) for _ in range(lanes)]
        self.columns: list[str] | None = None
        self.aborted = False
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._failure: str | None = None
        self._finished = False
        threading.Thread(target=self._pump, daemon=True).start()
        self._ready.wait()

    def _put(self, lane: int, block: bytes | None) -> None:
        while not self.aborted:
            try:
                self.queues[lane].put(block, timeout=0.2)
                return
            except queue.Full:
                continue

    def _pump(self) -> None:
        fd, buf, lane = self.proc.stdout.fileno(), b"", 0
        try:
            while self.columns is None:
                chunk = os.read(fd, _CHUNK)
                if not chunk:
                    return  # no COPY block: ogr2ogr failed
                buf += chunk
                start = buf.find(b"COPY ")
                end = buf.find(b"\n", start) if start >= 0 else -1
                if end >= 0:
                    line = buf[start:end].decode()
                    cols = line[line.index("(") + 1 : line.rindex(")")]
                    buf = buf[end + 1 :]
                    self.columns = [c.strip().strip('"') for c in cols.split(",")]
            self._ready.set()
            while not self.aborted:
                cut = buf.rfind(b"\n")
                if cut >= 0:
                    block, buf = buf[: cut + 1], buf[cut + 1 :]
                    if block.startswith(b"\\.\n"):
                        break
                    end = block.find(b"\n\\.\n")
                    if end >= 0:
                        self._put(lane, block[: end + 1])
                        break
                    self._put(lane, block)
                    lane = (lane + 1) % len(self.queues)
                chunk = os.read(fd, _CHUNK)
                if not chunk:
                    break
                buf += chunk
            # What follows the data (a few SQL lines) is read so ogr2ogr can exit.
            while not self.aborted and os.read(fd, _CHUNK):
                pass
        finally:
            self._ready.set()
            for k in range(len(self.queues)):
                self._put(k, None)

    def stream(self, lane: int) -> "_LaneStream":
        return _LaneStream(self, lane)

    def finish(self) -> None:
        """Wait for ogr2ogr; raise ``ScreeningError`` with its message if it failed."""
        with self._lock:
            if not self._finished:
                self._finished = True
                if self.proc.wait() != 0:
                    self.errors.seek(0)
                    message = self.errors.read().decode(errors="replace").strip()
                    self._failure = f"ogr2ogr failed: {message[:500]}"
        if self._failure is not None:
            raise ScreeningError(self._failure)

    def abort(self) -> None:
        self.aborted = True

    def close(self) -> None:
        if self.proc.poll() is None:
            self.aborted = True
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.errors.close()


class _LaneStream:
    """File-like view of one lane's blocks for ``copy_expert`` (whole lines only)."""

    def __init__(self, feed: Feed, lane: int):
        self.feed, self.q, self.done = feed, feed.queues[lane], False

    def read(self, size: int = -1) -> bytes:
        while not self.done:
            try:
                block = self.q.get(timeout=0.2)
            except queue.Empty:
                if self.feed.aborted:
                    raise Interrupted("screening was interrupted") from None
                continue
            if block is None:
                self.done = True
                break
            return block
        return b""

    readline = read


# The GeoPackage geometry header is 8 bytes and an envelope whose size the flags
# byte's bits 1-3 give (none, 32, 48, 48 or 64 bytes): what follows is plain WKB.
# SQLite reads the flags as the second hex digit of byte 4.
_GPKG_WKB = (
    "hex(substr({g}, CASE substr(hex(substr({g}, 4, 1)), 2, 1) "
    "WHEN '0' THEN 9 WHEN '1' THEN 9 WHEN '2' THEN 41 WHEN '3' THEN 41 "
    "WHEN '8' THEN 73 WHEN '9' THEN 73 ELSE 57 END))"
)
# COPY's text format: backslash, tab, newline and carriage return escaped; NULL as \N.
_COPY_TEXT = (
    "coalesce(replace(replace(replace(replace(CAST({v} AS TEXT), '\\', '\\\\'), "
    "char(9), '\\t'), char(10), '\\n'), char(13), '\\r'), '\\N')"
)


class GpkgFeed:
    """The points of a GeoPackage layer read by SQLite itself, one fid range per lane.

    The fast path for the common bulk file: a 2-D point layer in WGS-84 whose ids
    are text or integers. SQLite writes ``COPY`` lines (the id, then the point's WKB
    in hex) a range of fids at a time, with no feature objects in between; each lane
    reads its own range on its own SQLite connection, so the lanes load side by side.
    The source table's geometry column carries the SRID (``geometry(Geometry,
    4326)``). Everything else goes through ogr2ogr (``Feed``).
    """

    STEP = 50_000  # fids per SQLite statement

    def __init__(self, path, layer, geom: str, fid: str, id_field: str | None, lanes: int):
        self.path, self.layer, self.geom, self.fid = path, layer, geom, fid
        self.columns = [id_field or "site_id", "geom"]
        self.id_expr = f'"{id_field}"' if id_field else f'"{fid}"'
        self.aborted = False
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            lo, hi = db.execute(f'SELECT min("{fid}"), max("{fid}") FROM "{layer}"').fetchone()
        lo, hi = (lo or 0), (hi or -1)
        cuts = [lo + (hi - lo + 1) * k // lanes for k in range(lanes + 1)]
        self.ranges = list(zip(cuts[:-1], cuts[1:], strict=True))  # [a, b) per lane

    geometry_type = "geometry(Geometry, 4326)"

    @classmethod
    def open(cls, path: str, layer: str, id_field: str | None, crs, lanes: int):
        """A ``GpkgFeed`` when the file qualifies for the fast path, else ``None``."""
        if not str(path).lower().endswith(".gpkg") or crs not in (None, CRS.WGS84):
            return None
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                found = db.execute(
                    "SELECT column_name, geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns "
                    "WHERE table_name = ?",
                    (layer,),
                ).fetchone()
                info = db.execute(f'PRAGMA table_info("{layer}")').fetchall()
        except sqlite3.Error:
            return None
        if found is None or tuple(found[1:]) != ("POINT", 4326, 0, 0):
            return None
        fids = [r[1] for r in info if r[5] == 1 and r[2].upper() == "INTEGER"]
        types = {r[1]: r[2].upper() for r in info}
        if len(fids) != 1 or (
            id_field is not None and types.get(id_field) not in ("TEXT", "INTEGER")
        ):
            return None
        if any('"' in name for name in types):
            return None
        return cls(path, layer, found[0], fids[0], id_field, lanes)

    def stream(self, lane: int) -> "_GpkgStream":
        return _GpkgStream(self, *self.ranges[lane])

    def finish(self) -> None:
        pass

    def abort(self) -> None:
        self.aborted = True

    def close(self) -> None:
        pass


class _GpkgStream:
    """One lane's fid range as ``COPY`` lines, ``GpkgFeed.STEP`` fids at a time.

    Each step first takes the quick form: ids as they are and the WKB after an
    8-byte header. It is kept when it provably is right: no header with an envelope
    or other flags (``0x01``), one tab per row and one newline between rows (no tab
    or newline in an id), and no backslash or carriage return at all. Otherwise
    (NULLs included, which are written ``\\N``) the step is read again in the full
    form, which escapes the ids and reads the header's flags.
    """

    def __init__(self, feed: GpkgFeed, start: int, stop: int):
        self.feed, self.next, self.stop, self.db = feed, start, stop, None
        g, rows = (
            f'"{feed.geom}"',
            (
                f'FROM (SELECT {feed.id_expr}, "{feed.geom}" FROM "{feed.layer}" '
                f'WHERE "{feed.fid}" >= ? AND "{feed.fid}" < ? ORDER BY "{feed.fid}")'
            ),
        )
        self.quick = (
            f"SELECT count(*), max(substr({g}, 4, 1) <> x'01'), "
            f"group_concat(coalesce({feed.id_expr}, '\\N') || char(9) || "
            f"coalesce(nullif(hex(substr({g}, 9)), ''), '\\N'), char(10)) {rows}"
        )
        self.full = (
            f"SELECT group_concat({_COPY_TEXT.format(v=feed.id_expr)} || char(9) || "
            f"coalesce(nullif({_GPKG_WKB.format(g=g)}, ''), '\\N'), char(10)) "
            f"{rows}"
        )

    def read(self, size: int = -1) -> bytes:
        if self.db is None:
            self.db = sqlite3.connect(f"file:{self.feed.path}?mode=ro", uri=True)
        while self.next < self.stop:
            if self.feed.aborted:
                raise Interrupted("screening was interrupted")
            start, self.next = self.next, min(self.stop, self.next + GpkgFeed.STEP)
            n, flagged, text = self.db.execute(self.quick, (start, self.next)).fetchone()
            if not n:
                continue
            if (
                flagged
                or text.count("\t") != n
                or text.count("\n") != n - 1
                or "\\" in text
                or "\r" in text
            ):
                (text,) = self.db.execute(self.full, (start, self.next)).fetchone()
            return text.encode() + b"\n"
        self.db.close()
        return b""

    readline = read


def create_source_table(
    cur, table: str, columns: list[str] | None, geometry_type: str = "geometry"
) -> None:
    columns = columns or ["geom"]
    defs = ", ".join(f'"{c}" {geometry_type if c == "geom" else "text"}' for c in columns)
    cur.execute(f"CREATE UNLOGGED TABLE {table} (_row bigint GENERATED ALWAYS AS IDENTITY, {defs})")


def copy_lane(cur, feed: Feed, lane: int, table: str, id_field: str | None) -> int:
    """One lane's share of the file into ``table`` (made by ``create_source_table``);
    how many features that was."""
    columns = feed.columns or ["geom"]
    copied = 0
    if feed.columns:
        quoted = ", ".join(f'"{c}"' for c in columns)
        cur.cursor.copy_expert(
            f"COPY {table} ({quoted}) FROM STDIN", feed.stream(lane), size=_CHUNK
        )
        copied = cur.cursor.rowcount
    feed.finish()
    if id_field is not None and id_field != "site_id":
        cur.execute(f'ALTER TABLE {table} RENAME COLUMN "{id_field}" TO site_id')
    elif "site_id" not in columns:
        cur.execute(f"ALTER TABLE {table} ADD COLUMN site_id text")
    return copied


def load_file(cur, source, layer, id_field, crs, has_srs, table: str) -> None:
    """The whole file into ``table`` on one connection."""
    feed = Feed(ogr2ogr_args(source, layer, id_field, crs, has_srs))
    try:
        create_source_table(cur, table, feed.columns)
        copy_lane(cur, feed, 0, table, id_field)
    except BaseException:
        feed.abort()
        raise
    finally:
        feed.close()


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
