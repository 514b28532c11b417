"""Synthetic registry data for load tests: ``scale`` × about 10,000 fictional records.

Every row is plainly flagged: ``is_demo=True``, names that read "合成·… (synthetic)",
credit codes whose organisation part starts with "HC". Rows are written with COPY
in foreign-key order, with ids chosen here so that children point at parents
without round trips. Producer locations are drawn inside their real county by
PostGIS (``ST_GeneratePoints``). No history rows are written: these records
were never edited. Dates are counted back from a fixed day, so that one seed
always gives the same data.
"""

import datetime as dt
import io
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from django.core.management.color import no_style

from brands.dates import add_years, term_end
from brands.models import FamousMark, GIMark, MarkTerm, MarkUse
from girrepo.text import pinyin_key
from girrepo.validators import make_credit_code
from producers.models import Producer
from products.models import Category, GIProduct, ProtectedAreaUnit
from township_products.models import TownshipProduct
from varieties.models import PlantVariety
from varieties.selectors import protection_expiry

# Register rows per unit of scale (10,000); child rows (terms, users, area units,
# region links) come on top.
SCALE_UNIT = {
    "producers": 6000,
    "gi_products": 20,
    "gi_marks": 1000,
    "famous_marks": 300,
    "varieties": 2300,
    "township_products": 380,
}
REFERENCE_DAY = dt.date(2025, 6, 30)
PREFIX, SUFFIX = "合成·", " (synthetic)"
NOTE = "合成数据，仅用于压力测试。Synthetic data for load tests; not a real record."


def _words(text: str) -> list[str]:
    return text.split()


TRADE_NAMES = _words(
    "云岭 彩云 高原 金沙 玉龙 苍山 洱海 南糯 哀牢 乌蒙 澜沧 怒江 青山 绿源 丰源 兴农 "
    "惠民 宏达 鑫盛 瑞丰 嘉禾 金谷 山泉 红土 阳光 春城 古树 茶马 边寨 七彩 普惠 福源 "
    "康源 润田 禾润 天成 天香 百草 千山 万家 众鑫 金穗 翠峰 雪峰 碧水 白云 东方 滇南 "
    "滇西 滇中 云海 云雾 晨曦 星辰 德丰 恒信 华兴 利民 益农 绿野 森源 龙泉 凤鸣 祥和"
)
# category slug: (Chinese, English, Nice classes, products)
CATEGORIES = {
    "tea": ("茶叶", "Tea", [30], "普洱茶 红茶 绿茶 白茶"),
    "coffee": ("咖啡", "Coffee", [30], "小粒咖啡 咖啡"),
    "medicinal": ("中药材", "Medicinal material", [5], "三七 石斛 天麻 重楼 灯盏花 砂仁"),
    "meat-products": ("肉制品", "Meat products", [29], "火腿 腊肉"),
    "livestock": ("畜禽", "Livestock", [31], "生猪 黄山羊 黄牛 土鸡"),
    "fruit": ("水果", "Fruit", [31], "芒果 柑橘 蓝莓 石榴 苹果 香蕉 樱桃 葡萄"),
    "edible-fungi": ("食用菌", "Edible fungi", [29, 31], "松茸 牛肝菌 鸡枞 羊肚菌"),
    "grain": ("粮食", "Grain", [30], "紫米 大米 苦荞 马铃薯"),
    "nuts": ("干果", "Nuts", [29, 31], "核桃 澳洲坚果 板栗"),
    "edible-oil": ("食用油", "Edible oil", [29], "油茶籽油 菜籽油"),
    "handicraft": ("陶瓷及工艺品", "Ceramics and handicraft", [21], "紫陶 银器"),
}
PRODUCTS = [(word, slug) for slug, c in CATEGORIES.items() for word in c[3].split()]
# kind: (share, first two places of the credit code, name endings)
PRODUCER_KINDS = {
    "cooperative": (45, "93", "专业合作社 产销专业合作社 农民专业合作社"),
    "enterprise": (35, "91", "有限公司 开发有限公司 产业有限公司 科技有限公司 股份有限公司"),
    "individual": (12, "92", "经营部 商行 加工坊"),
    "association": (3, "51", "产业协会 协会"),
    "research": (5, "12", "研究所 技术推广站"),
}
PVP_AGRI, PVP_FOREST, FLOWER = "national_agri_pvp", "national_forestry_pvp", "yunnan_flower"
SPECIES = [  # Chinese, Latin, plant type, registers it goes to
    ("茶", "Camellia sinensis", "woody_other", (PVP_AGRI,)),
    ("咖啡", "Coffea arabica", "woody_other", (PVP_AGRI,)),
    ("马铃薯", "Solanum tuberosum", "herbaceous", (PVP_AGRI,)),
    ("水稻", "Oryza sativa", "herbaceous", (PVP_AGRI,)),
    ("玉米", "Zea mays", "herbaceous", (PVP_AGRI,)),
    ("三七", "Panax notoginseng", "herbaceous", (PVP_AGRI,)),
    ("芒果", "Mangifera indica", "fruit_tree", (PVP_AGRI,)),
    ("葡萄", "Vitis vinifera", "vine", (PVP_AGRI,)),
    ("月季", "Rosa hybrida", "woody_other", (PVP_AGRI, FLOWER)),
    ("百合", "Lilium", "herbaceous", (PVP_AGRI, FLOWER)),
    ("香石竹", "Dianthus caryophyllus", "herbaceous", (PVP_AGRI, FLOWER)),
    ("杜鹃", "Rhododendron", "ornamental_tree", (PVP_FOREST, FLOWER)),
    ("山茶", "Camellia japonica", "ornamental_tree", (PVP_FOREST, FLOWER)),
    ("核桃", "Juglans regia", "fruit_tree", (PVP_FOREST,)),
    ("油茶", "Camellia oleifera", "forest_tree", (PVP_FOREST,)),
    ("云南松", "Pinus yunnanensis", "forest_tree", (PVP_FOREST,)),
]


def plan(scale: float) -> dict[str, int]:
    """Register rows to generate at ``scale`` (at least one of each)."""
    return {k: max(1, round(v * scale)) for k, v in SCALE_UNIT.items()}


class NameKeys:
    """Names made of parts joined by "·", and their ``search_key``.

    pypinyin converts each run of Chinese characters on its own, so when parts
    meet at a non-Chinese character the key of the name is the keys of its parts
    in a row: each distinct part goes through ``pinyin_key`` once.
    """

    def __init__(self):
        self._keys: dict[str, str] = {}

    def key(self, part: str) -> str:
        key = self._keys.get(part)
        if key is None:
            key = self._keys[part] = pinyin_key(part)
        return key

    def name(self, *parts: str) -> tuple[str, str]:
        text = PREFIX + "·".join(parts) + SUFFIX
        return text, self.key(PREFIX) + "".join(map(self.key, parts)) + self.key(SUFFIX)

    def numbered(self, word: str, number: int, unit: str) -> tuple[str, str]:
        """Names like "合成·云岭12号 (synthetic)": the digits keep 云岭 and 号 apart."""
        text = f"{PREFIX}{word}{number}{unit}{SUFFIX}"
        key = self.key(PREFIX) + self.key(word) + str(number) + self.key(unit) + self.key(SUFFIX)
        return text, key


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, list):  # arrays here hold numbers only
        value = "{" + ",".join(str(v) for v in value) + "}"
    elif not isinstance(value, str):
        return value.isoformat() if hasattr(value, "isoformat") else repr(value)
    for char, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        value = value.replace(char, escaped)
    return value


def _unique_names(regions: list) -> list:
    """One region per name: townships of different counties may share a name."""
    return list({r.name: r for r in regions}.values())


class Place(NamedTuple):
    """What the generator needs of a region."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


class SyntheticRegistry:
    """Writes one synthetic registry through ``connection`` (inside the caller's transaction)."""

    CHUNK = 20_000

    def __init__(self, *, connection, scale: float, seed: int = 1):
        self.connection = connection
        self.plan = plan(scale)
        self.seed = seed
        self.rng = random.Random(seed)
        self.keys = NameKeys()
        self.rows: Counter[str] = Counter()
        self.now = dt.datetime.combine(REFERENCE_DAY, dt.time(12), tzinfo=dt.UTC)

    # -- plumbing ---------------------------------------------------------
    def copy(self, model_or_table, columns: list[str], rows: Iterable[tuple]) -> None:
        table = getattr(getattr(model_or_table, "_meta", None), "db_table", model_or_table)
        quote = self.connection.ops.quote_name
        sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        buf, n = io.StringIO(), 0
        for row in rows:
            buf.write("\t".join(map(_copy_text, row)))
            buf.write("\n")
            n += 1
            if n % self.CHUNK == 0:
                self._send(sql, buf)
                buf = io.StringIO()
        self._send(sql, buf)
        self.rows[table] += n

    def _send(self, sql: str, buf: io.StringIO) -> None:
        buf.seek(0)
        self.cursor.copy_expert(sql, buf)

    def next_id(self, model) -> int:
        self.cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
        return self.cursor.fetchone()[0]

    def day(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, (last - first).days))

    def stamp(self) -> dt.datetime:
        return self.now - dt.timedelta(seconds=self.rng.randint(0, 5 * 365 * 86400))

    def distinct_picks(self, total: int, n: int) -> Iterator[tuple[int, int]]:
        """``n`` (round, number) pairs; numbers below ``total`` repeat only in a new round."""
        rounds = 0
        while n > 0:
            k = min(n, total)
            for x in self.rng.sample(range(total), k):
                yield rounds, x
            n, rounds = n - k, rounds + 1

    # -- the registers ----------------------------------------------------
    def run(self) -> Counter[str]:
        with self.connection.cursor() as self.cursor:
            self.load_regions()
            self.categories()
            self.producers()
            self.gi_products()
            self.gi_marks()
            self.famous_marks()
            self.varieties()
            self.township_products()
            models = [Category, Producer, GIProduct, ProtectedAreaUnit, GIMark, MarkTerm, MarkUse]
            models += [FamousMark, PlantVariety, TownshipProduct]
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                self.cursor.execute(sql)
        return self.rows

    def load_regions(self) -> None:
        self.cursor.execute(
            "SELECT id, code, name, level, parent_id FROM regions_region "
            "WHERE level IN ('prefecture', 'county', 'township') ORDER BY code"
        )
        regions = [Place(*row) for row in self.cursor.fetchall()]
        self.region = {r.id: r for r in regions}
        by_level = defaultdict(list)
        self.children = defaultdict(list)
        for r in regions:
            by_level[r.level].append(r)
            self.children[r.parent_id].append(r)
        self.prefectures = by_level["prefecture"]
        self.counties = by_level["county"]
        self.townships = by_level["township"]
        if len(self.counties) < 100:
            raise ValueError("the regions are not loaded (run load_regions first)")

    def county_of(self, region: Place) -> Place:
        return self.region[region.parent_id] if region.level == "township" else region

    def categories(self) -> None:
        first = self.next_id(Category)
        self.category_id = {slug: first + i for i, slug in enumerate(CATEGORIES)}
        cols = ["id", "created", "last_updated", "name", "slug", "description", "name_en"]
        self.copy(
            Category,
            cols,
            (
                (self.category_id[slug], self.now, self.now, f"{PREFIX}{zh}{SUFFIX}")
                + (f"synthetic-{slug}", NOTE[:200], f"{en} (synthetic)")
                for slug, (zh, en, _, _) in CATEGORIES.items()
            ),
        )

    def producers(self) -> None:
        rng, n = self.rng, self.plan["producers"]
        first = self.next_id(Producer)
        weights = [rng.uniform(0.3, 3.0) for _ in self.counties]
        where = rng.choices(self.counties, weights, k=n)
        kinds = rng.choices(list(PRODUCER_KINDS), [k[0] for k in PRODUCER_KINDS.values()], k=n)
        points = self.points_in_counties(Counter(c.id for c in where))
        self.producers_by_kind = defaultdict(list)
        self.producers_in_county = defaultdict(list)
        self.cooperatives_in_county = defaultdict(list)
        endings = {kind: v[2].split() for kind, v in PRODUCER_KINDS.items()}

        def rows():
            for i in range(n):
                pid, county, kind = first + i, where[i], kinds[i]
                word = rng.choice(PRODUCTS)[0]
                name, key = self.keys.name(
                    county.name, rng.choice(TRADE_NAMES) + word + rng.choice(endings[kind])
                )
                stem = PRODUCER_KINDS[kind][1] + county.code + f"HC{pid:07d}"
                x, y = points[county.id].pop()
                township = None
                if rng.random() < 0.25 and self.children[county.id]:
                    township = rng.choice(self.children[county.id]).id
                status = rng.choices(
                    ["active", "suspended", "deregistered", "revoked"], [90, 4, 4, 2]
                )[0]
                households = rng.randint(5, 400) if kind == "cooperative" else None
                created = self.stamp()
                address = f"{PREFIX}{county.name}{rng.choice(TRADE_NAMES)}路{i % 300 + 1}号{SUFFIX}"
                self.producers_by_kind[kind].append(pid)
                if kind != "association":
                    self.producers_in_county[county.id].append(pid)
                if kind == "cooperative":
                    self.cooperatives_in_county[county.id].append(pid)
                yield (
                    (pid, created, created, name, "", make_credit_code(stem), kind, status)
                    + ("", address, "", "", "", f"SRID=4326;POINT({x!r} {y!r})", "wgs84")
                    + (township is not None, households, NOTE, True, key, county.id, township)
                )

        cols = ["id", "created", "last_updated", "name", "name_en", "credit_code", "kind"]
        cols += ["status", "legal_representative", "address", "phone", "email", "website"]
        cols += ["location", "location_crs", "region_override", "member_households"]
        cols += ["description", "is_demo", "search_key", "county_id", "township_id"]
        self.copy(Producer, cols, rows())

    def points_in_counties(self, wanted: Counter) -> dict[int, list[tuple[float, float]]]:
        """``wanted[county_id]`` random points inside each county's real boundary."""
        ids = sorted(wanted)
        # ST_GeneratePoints may return a point or two fewer than asked: ask for more.
        self.cursor.execute(
            """
            SELECT c.id, ST_X(d.geom), ST_Y(d.geom)
            FROM unnest(%s::bigint[], %s::int[]) AS want(id, n)
            JOIN regions_region c ON c.id = want.id
            CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(c.geom, want.n, %s)) AS d
            """,
            [ids, [wanted[i] + 10 + wanted[i] // 100 for i in ids], self.seed],
        )
        points = defaultdict(list)
        for county_id, x, y in self.cursor.fetchall():
            points[county_id].append((x, y))
        if any(len(points[i]) < wanted[i] for i in ids):
            raise ValueError("PostGIS returned fewer points than asked for")
        return points

    def gi_products(self) -> None:
        rng, n = self.rng, self.plan["gi_products"]
        first, unit_id = self.next_id(GIProduct), self.next_id(ProtectedAreaUnit)
        places = _unique_names(self.prefectures + self.counties)
        agri = max(0, round(n * 0.2)) if n > 1 else 0
        self.products_by_word = defaultdict(list)
        self.product_at = {}
        rows, units = [], []
        picks = [("agri_gi", p) for p in self.distinct_picks(len(places) * len(PRODUCTS), agri)]
        picks += [
            ("gi_product", p) for p in self.distinct_picks(len(places) * len(PRODUCTS), n - agri)
        ]
        for i, (register, (rounds, x)) in enumerate(picks):
            pid, place = first + i, places[x // len(PRODUCTS)]
            word, slug = PRODUCTS[x % len(PRODUCTS)]
            parts = (place.name, word) + ((str(rounds + 1),) if rounds else ())
            name, key = self.keys.name(*parts)
            authority = "moa" if register == "agri_gi" else rng.choice(["aqsiq", "cnipa", ""])
            status = rng.choices(["protected", "under_review", "cancelled"], [90, 5, 5])[0]
            area = self.area_units(place)
            created = self.stamp()
            area_text = "合成数据（synthetic）：" + "、".join(r.name for r in area)
            rows.append(
                (pid, created, created, name, "", "", register, authority, "", None, None, False)
                + ("", status, NOTE, "", True, area_text, "", [], False, "not_mapped")
                + (key, self.category_id[slug])
            )
            for r in area:
                units.append((unit_id, created, created, r.name, "manual", "none", pid, r.id))
                unit_id += 1
            self.products_by_word[word].append(pid)
            self.product_at[place.id, word] = pid
        cols = ["id", "created", "last_updated", "name", "name_pinyin", "name_en", "register"]
        cols += ["authority", "announcement_number", "announcement_date", "announcement_year"]
        cols += ["announcement_verified", "quality_requirements", "status", "description"]
        cols += ["sources", "is_demo", "area_text", "area_note", "area_unmatched"]
        cols += ["area_units_contain_area", "area_precision", "search_key", "category_id"]
        self.copy(GIProduct, cols, rows)
        cols = ["id", "created", "last_updated", "text_as_announced", "matched_by", "boundary"]
        self.copy(ProtectedAreaUnit, cols + ["product_id", "region_id"], units)

    def area_units(self, place: Place) -> list[Place]:
        """A prefecture, some of its counties, a county with neighbours, or townships."""
        rng, below = self.rng, self.children[place.id]
        if place.level == "prefecture":
            return [place] if rng.random() < 0.5 else rng.sample(below, min(len(below), 3))
        if below and rng.random() < 0.4:
            return rng.sample(below, min(len(below), rng.randint(2, 6)))
        siblings = [c for c in self.children[place.parent_id] if c.id != place.id]
        return [place] + rng.sample(siblings, min(len(siblings), rng.randint(0, 2)))

    def gi_marks(self) -> None:
        rng, n = self.rng, self.plan["gi_marks"]
        first = self.next_id(GIMark)
        places = _unique_names(self.counties + self.townships)
        associations = self.producers_by_kind["association"]
        self.marks_by_word = defaultdict(list)
        marks, terms, uses, origins, related = [], [], [], [], []
        certification = round(n * 0.6)
        picks = [
            ("certification", p)
            for p in self.distinct_picks(len(places) * len(PRODUCTS), certification)
        ]
        picks += [
            ("collective", p)
            for p in self.distinct_picks(len(places) * len(PRODUCTS), n - certification)
        ]
        for i, (mark_type, (rounds, x)) in enumerate(picks):
            mid, place = first + i, places[x // len(PRODUCTS)]
            word, slug = PRODUCTS[x % len(PRODUCTS)]
            parts = (place.name, word) + ((str(rounds + 1),) if rounds else ())
            name, key = self.keys.name(*parts)
            registrant = rng.choice(associations) if associations else None
            registered = self.day(dt.date(2003, 1, 1), dt.date(2024, 12, 31))
            status = rng.choices(["in_force", "cancelled", "invalidated"], [95, 3, 2])[0]
            spans = [(registered, term_end(registered))]
            while status == "in_force" and spans[-1][1] < REFERENCE_DAY and rng.random() < 0.7:
                start = spans[-1][1] + dt.timedelta(days=1)
                spans.append((start, term_end(start)))
            if status == "in_force":
                status = "renewed" if len(spans) > 1 else "registered"
            created = self.stamp()
            nice = CATEGORIES[slug][2]
            marks.append(
                (mid, created, created, name, mark_type, "", nice, word, registered, False)
                + (status, NOTE, "", True, key, registrant)
            )
            terms += [(created, created, s, e, "", mid) for s, e in spans]
            county = self.county_of(place)
            origins.append((mid, county.id))
            siblings = [c for c in self.children[county.parent_id] if c.id != county.id]
            if siblings and rng.random() < 0.2:
                origins.append((mid, rng.choice(siblings).id))
            if (county.id, word) in self.product_at:
                related.append((mid, self.product_at[county.id, word]))
            kind = "licensee" if mark_type == "certification" else "member"
            pool = self.producers_in_county[county.id]
            for producer in rng.sample(pool, min(len(pool), rng.choice([0, 1, 2, 3, 3, 4, 5, 6]))):
                if producer == registrant:
                    continue
                start = min(registered + dt.timedelta(days=rng.randint(0, 2000)), REFERENCE_DAY)
                end = None if rng.random() < 0.75 else start + dt.timedelta(rng.randint(365, 3650))
                uses.append((created, created, kind, start, end, "", mid, producer))
            self.marks_by_word[word].append(mid)
        cols = ["id", "created", "last_updated", "name", "mark_type", "registration_number"]
        cols += ["nice_classes", "goods", "registration_date", "date_verified", "status"]
        self.copy(
            GIMark,
            cols + ["description", "sources", "is_demo", "search_key", "registrant_id"],
            marks,
        )
        self.copy(
            MarkTerm, ["created", "last_updated", "start", "end", "reference", "mark_id"], terms
        )
        cols = ["created", "last_updated", "kind", "start", "end", "filing_reference"]
        self.copy(MarkUse, cols + ["mark_id", "producer_id"], uses)
        self.copy(GIMark.origin_regions.through, ["gimark_id", "region_id"], origins)
        self.copy(GIMark.related_products.through, ["gimark_id", "giproduct_id"], related)

    def famous_marks(self) -> None:
        rng, n = self.rng, self.plan["famous_marks"]
        first = self.next_id(FamousMark)
        enterprises = self.producers_by_kind["enterprise"]
        seen, rows = set(), []
        while len(rows) < n:
            word, slug = rng.choice(PRODUCTS)
            name, key = self.keys.name(rng.choice(TRADE_NAMES), word)
            if rng.random() < 0.4:
                kind, valid_until = "well_known", None
                recognised = self.day(dt.date(2000, 1, 1), dt.date(2020, 12, 31))
            else:
                kind = "yunnan_famous"
                recognised = self.day(dt.date(1998, 1, 1), dt.date(2017, 12, 31))
                valid_until = add_years(recognised, 3) - dt.timedelta(days=1)
            if (kind, name, recognised) in seen:
                continue
            seen.add((kind, name, recognised))
            holder = rng.choice(enterprises) if enterprises and rng.random() < 0.9 else None
            created = self.stamp()
            rows.append(
                (first + len(rows), created, created, kind, name, "", CATEGORIES[slug][2][0])
                + (word, recognised, False, "", "", valid_until, NOTE, "", True, key, holder)
            )
        cols = ["id", "created", "last_updated", "kind", "name", "trademark_number", "nice_class"]
        cols += ["goods", "recognition_date", "date_verified", "decision_reference"]
        cols += ["recognising_body", "valid_until", "description", "sources", "is_demo"]
        self.copy(FamousMark, cols + ["search_key", "holder_id"], rows)

    def varieties(self) -> None:
        rng, n = self.rng, self.plan["varieties"]
        first = self.next_id(PlantVariety)
        owners = self.producers_by_kind["research"] + self.producers_by_kind["enterprise"]
        numbers, rows, regions = Counter(), [], []
        self.variety_ids = range(first, first + n)
        for vid in self.variety_ids:
            zh, latin, plant_type, registers = rng.choice(SPECIES)
            trade = rng.choice(TRADE_NAMES)
            numbers[trade] += 1
            name, key = self.keys.numbered(trade, numbers[trade], "号")
            register, applied, granted = "unrecorded", None, None
            status = "unrecorded"
            if rng.random() < 0.85:
                register = rng.choice(registers)
                applied = self.day(dt.date(2000, 1, 1), dt.date(2024, 6, 30))
                status = rng.choices(
                    ["filed", "published", "granted", "terminated", "invalidated"],
                    [15, 15, 60, 5, 5] if register != FLOWER else [0, 0, 1, 0, 0],
                )[0]
                if status in ("granted", "terminated", "invalidated"):
                    granted = applied + dt.timedelta(days=rng.randint(180, 1460))
                    if granted > REFERENCE_DAY:
                        status, granted = "published", None
            owner = rng.choice(owners) if owners and rng.random() < 0.7 else None
            owner_name = "" if owner else f"{PREFIX}{trade}育种站{SUFFIX}"
            expires = protection_expiry(
                register=register, plant_type=plant_type, grant_date=granted
            )
            created = self.stamp()
            rows.append(
                (vid, created, created, name, latin, zh, register, plant_type, owner_name, [])
                + ("", applied, f"合成-{vid:08d}" if granted else "", granted, status, expires)
                + (NOTE, "", True, key, owner)
            )
            for county in rng.sample(self.counties, rng.choice([0, 1, 1, 2])):
                regions.append((vid, county.id))
        cols = ["id", "created", "last_updated", "denomination", "species_latin", "species_zh"]
        cols += ["register", "plant_type", "owner_name", "breeders", "application_number"]
        cols += ["application_date", "grant_number", "grant_date", "status"]
        cols += ["protection_expires", "description", "sources", "is_demo", "search_key"]
        self.copy(PlantVariety, cols + ["owner_id"], rows)
        cols = ["plantvariety_id", "region_id"]
        self.copy(PlantVariety.growing_regions.through, cols, regions)

    def township_products(self) -> None:
        rng, n = self.rng, self.plan["township_products"]
        first = self.next_id(TownshipProduct)
        seen, rows, leads = set(), [], []
        while len(rows) < n:
            township = rng.choice(self.townships)
            trade, (word, slug) = rng.choice(TRADE_NAMES), rng.choice(PRODUCTS)
            if (township.id, trade, word) in seen:
                continue
            seen.add((township.id, trade, word))
            tid = first + len(rows)
            name, key = self.keys.name(trade, word)
            products, marks = self.products_by_word[word], self.marks_by_word[word]
            product = rng.choice(products) if products and rng.random() < 0.25 else None
            mark = rng.choice(marks) if marks and rng.random() < 0.2 else None
            variety = rng.choice(self.variety_ids) if rng.random() < 0.1 else None
            created = self.stamp()
            rows.append(
                (tid, created, created, name, rng.randint(2005, 2024), rng.randint(10, 3000))
                + (NOTE, "", True, key, self.category_id[slug], mark, product, township.id)
                + (variety,)
            )
            pool = self.cooperatives_in_county[township.parent_id]
            for producer in rng.sample(pool, min(len(pool), rng.randint(0, 2))):
                leads.append((tid, producer))
        cols = ["id", "created", "last_updated", "product_name", "year_recognised"]
        cols += ["households_involved", "description", "sources", "is_demo", "search_key"]
        cols += ["category_id", "gi_mark_id", "gi_product_id", "township_id", "variety_id"]
        self.copy(TownshipProduct, cols, rows)
        through = TownshipProduct.lead_cooperatives.through
        self.copy(through, ["townshipproduct_id", "producer_id"], leads)
