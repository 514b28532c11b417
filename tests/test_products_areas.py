"""Protected areas: township matching, PostGIS area computation, parts, coverage, recompute.

All over the real Yunnan regions; the township lists are the real 2014 announcements
of 陆良滇陆猪 and 罗平黄山羊 (see fixtures/SOURCES.md).
"""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection

from products.choices import AreaPrecision, MatchedBy, Register, UnitBoundary
from products.matching import match_area_names, name_root
from products.models import Category, GIProduct, ProtectedAreaPart
from products.selectors import product_area_covers
from products.services import (
    SUBDIVIDE_MAX_VERTICES,
    product_save,
    product_set_area,
    products_recompute_areas,
)
from regions.choices import RegionLevel, UnitType
from regions.models import Region
from regions.signals import boundaries_changed

pytestmark = pytest.mark.django_db

# As announced on 2014-11-28 (agricultural-product GIs; fixtures/SOURCES.md).
LULIANG_TEXT = (
    "中枢街道、同乐街道、板桥镇、三岔河镇、活水乡、马街镇、龙海乡、召夸镇、大莫古镇、"
    "小百户镇、芳华镇、华侨农场管理区"
)
LUOPING_TEXT = (
    "罗雄街道、腊山街道、板桥镇、九龙街道、阿岗镇、马街镇、富乐镇、大水井乡、钟山乡、长底乡、"
    "旧屋基乡、鲁布革乡、老厂乡"
)
LULIANG_NAMES = LULIANG_TEXT.split("、")
LUOPING_NAMES = LUOPING_TEXT.split("、")
XUANWEI_CITY = Point(104.104, 26.219, srid=4326)
LULIANG_POINT = Point(103.666, 25.030, srid=4326)
LUOPING_POINT = Point(104.309, 24.885, srid=4326)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def new_product(name: str, *, register=Register.GI_PRODUCT, authority="aqsiq") -> GIProduct:
    category, _ = Category.objects.get_or_create(slug="test-cat", defaults={"name": "测试类别"})
    return product_save(
        product=GIProduct(name=name, register=register, authority=authority, category=category)
    )


def township_product(name: str, county: str, names: list[str], **kw) -> GIProduct:
    matched, unmatched = match_area_names(county=region(county), names=names)
    return product_set_area(
        product=new_product(name, **kw),
        units=matched,
        area_text=f"{region(county).name} " + "、".join(names),
        unmatched=unmatched,
    )


def sql_one(query: str, params: list):
    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchone()


# -- the matcher -------------------------------------------------------------


class TestMatcher:
    def test_luliang_list_keeps_the_state_farm_unmatched(self):
        matched, unmatched = match_area_names(county=region("530322"), names=LULIANG_NAMES)
        assert unmatched == ["华侨农场管理区"]
        assert [m.text for m in matched] == LULIANG_NAMES[:-1]
        assert all(m.region.parent.code == "530322" for m in matched)
        assert {m.matched_by for m in matched} == {MatchedBy.NAME}

    def test_luoping_list_matches_the_renamed_ethnic_townships(self):
        matched, unmatched = match_area_names(county=region("530324"), names=LUOPING_NAMES)
        assert unmatched == []
        assert len(matched) == 13
        by_text = {m.text: m for m in matched}
        renamed = {
            "鲁布革乡": "鲁布革布依族苗族乡",
            "旧屋基乡": "旧屋基彝族乡",
            "长底乡": "长底布依族乡",
        }
        for old, new in renamed.items():
            assert by_text[old].region.name == new
            assert by_text[old].matched_by == MatchedBy.ROOT
        assert by_text["罗雄街道"].matched_by == MatchedBy.NAME
        # 板桥镇 exists in 陆良 too: matching stays inside the county.
        assert by_text["板桥镇"].region.code == "530324102"

    def test_huaning_township_with_two_ethnic_qualifiers(self):
        names = ["宁州街道", "青龙镇", "盘溪镇", "华溪镇", "通红甸乡"]
        matched, unmatched = match_area_names(county=region("530424"), names=names)
        assert unmatched == []
        assert matched[-1].region.name == "通红甸彝族苗族乡"

    @pytest.mark.parametrize(
        "name,root",
        [
            ("鲁布革布依族苗族乡", "鲁布革"),
            ("鲁布革乡", "鲁布革"),
            ("通红甸彝族苗族乡", "通红甸"),
            ("罗雄街道", "罗雄"),
            ("华侨农场管理区", "华侨农场管理区"),
        ],
    )
    def test_name_root(self, name, root):
        assert name_root(name) == root

    def test_code_and_alias(self):
        lubuge = region("530324202")
        lubuge.aliases = ["鲁布革老街"]
        lubuge.save()
        matched, unmatched = match_area_names(
            county=region("530324"), names=["530324202", "鲁布革老街", "530322001"]
        )
        assert [(m.region.code, m.matched_by) for m in matched] == [
            ("530324202", MatchedBy.CODE),
            ("530324202", MatchedBy.ALIAS),
        ]
        assert unmatched == ["530322001"]  # a code from another county

    def test_ambiguous_root_is_not_guessed(self):
        Region.objects.create(
            code="530324299",
            name="鲁布革镇",
            level=RegionLevel.TOWNSHIP,
            unit_type=UnitType.TOWN,
            parent=region("530324"),
        )
        matched, unmatched = match_area_names(county=region("530324"), names=["鲁布革乡"])
        assert matched == [] and unmatched == ["鲁布革乡"]


# -- computing the area ------------------------------------------------------


class TestAreaComputation:
    def test_county_unit_is_exact_and_equals_the_county(self):
        ham = product_set_area(
            product=new_product("宣威火腿"),
            units=[region("530381")],
            area_text="宣威市现辖行政区域",
            unmatched=[],
        )
        assert ham.area_precision == AreaPrecision.EXACT
        assert ham.area_units.get().boundary == UnitBoundary.OWN
        diff = sql_one(
            "SELECT ST_Area(ST_SymDifference(g.area_geom, r.geom)) FROM products_giproduct g, "
            "regions_region r WHERE g.id = %s AND r.code = '530381'",
            [ham.pk],
        )[0]
        assert diff < 1e-12
        assert 5000 < ham.area_km2 < 7000
        assert ham.area_display.num_coords < ham.area_geom.num_coords

    def test_townships_are_approximated_by_their_county(self):
        goat = township_product(
            "罗平黄山羊", "530324", LUOPING_NAMES, register="agri_gi", authority="moa"
        )
        assert goat.area_precision == AreaPrecision.APPROXIMATE
        assert set(goat.area_units.values_list("boundary", flat=True)) == {UnitBoundary.COUNTY}
        # Thirteen townships, one county: the area is that county, once.
        assert goat.area_geom.equals_exact(region("530324").geom, 1e-9) or (
            goat.area_geom.sym_difference(region("530324").geom).area < 1e-12
        )
        assert goat.area_unmatched == []

    def test_unmatched_name_is_kept_and_prevents_exact(self):
        pig = township_product(
            "陆良滇陆猪", "530322", LULIANG_NAMES, register="agri_gi", authority="moa"
        )
        assert pig.area_unmatched == ["华侨农场管理区"]
        assert pig.area_units.count() == 11
        assert pig.area_precision == AreaPrecision.APPROXIMATE
        # Even with a county unit of its own, an unmapped name keeps the area approximate.
        county_level = product_set_area(
            product=new_product("陆良县测试产品"),
            units=[region("530322")],
            area_text="陆良县及华侨农场管理区",
            unmatched=["华侨农场管理区"],
        )
        assert county_level.area_precision == AreaPrecision.APPROXIMATE

    def test_containing_units_are_approximate(self):
        tea = product_set_area(
            product=new_product("普洱茶测试"),
            units=[region("530800"), region("532800")],
            area_text="",
            unmatched=[],
            units_contain_area=True,
        )
        assert tea.area_precision == AreaPrecision.APPROXIMATE
        assert {u.boundary for u in tea.area_units.all()} == {UnitBoundary.OWN}

    def test_no_units_is_not_mapped(self):
        coffee = product_set_area(
            product=new_product("保山小粒咖啡"), units=[], area_text="", unmatched=[]
        )
        assert coffee.area_precision == AreaPrecision.NOT_MAPPED
        assert coffee.area_geom is None and coffee.area_km2 is None
        assert not coffee.area_parts.exists()

    def test_parts_cover_the_area_exactly(self):
        fungus = product_set_area(
            product=new_product("南华松茸"), units=[region("532300")], area_text="", unmatched=[]
        )
        parts, total, union_diff, most_vertices = sql_one(
            """
            SELECT count(*), sum(ST_Area(p.geom)),
                   ST_Area(ST_SymDifference(ST_Union(p.geom), g.area_geom)),
                   max(ST_NPoints(p.geom))
            FROM products_protectedareapart p JOIN products_giproduct g ON g.id = p.product_id
            WHERE g.id = %s GROUP BY g.area_geom
            """,
            [fungus.pk],
        )
        assert parts > 10
        assert total == pytest.approx(fungus.area_geom.area, rel=1e-9)
        assert union_diff < 1e-9
        assert most_vertices <= SUBDIVIDE_MAX_VERTICES + 5  # closing and clip vertices

    def test_resetting_the_area_keeps_wording_and_drops_removed_units(self):
        goat = township_product(
            "罗平黄山羊", "530324", LUOPING_NAMES, register="agri_gi", authority="moa"
        )
        history_before = goat.history.count()
        regions = [u.region for u in goat.area_units.select_related("region")][:12]
        goat = product_set_area(product=goat, units=regions, area_text=goat.area_text, unmatched=[])
        assert goat.area_units.count() == 12
        lubuge = goat.area_units.get(region__code="530324202")
        assert (lubuge.text_as_announced, lubuge.matched_by) == ("鲁布革乡", MatchedBy.ROOT)
        assert goat.history.count() == history_before  # area fields unchanged: no new row


# -- coverage ----------------------------------------------------------------


class TestCoverage:
    @pytest.fixture
    def ham(self):
        return product_set_area(
            product=new_product("宣威火腿"), units=[region("530381")], area_text="", unmatched=[]
        )

    def test_exact_area_answers_with_one_indexed_query(self, ham, django_assert_num_queries):
        with django_assert_num_queries(1):
            inside = product_area_covers(product=ham, geometry=XUANWEI_CITY)
        assert inside.covered is True and inside.precision == AreaPrecision.EXACT
        outside = product_area_covers(product=ham, geometry=LULIANG_POINT)
        assert outside.covered is False and not outside.needs_manual_check

    def test_polygon_straddling_parts(self, ham):
        county = region("530381").geom
        inner = county.buffer(-0.05)  # well inside, and much larger than one part
        assert ProtectedAreaPart.objects.filter(product=ham, geom__covers=inner).count() == 0
        assert product_area_covers(product=ham, geometry=inner).covered is True

    def test_other_crs_is_transformed(self, ham):
        mercator = XUANWEI_CITY.transform(3857, clone=True)
        assert product_area_covers(product=ham, geometry=mercator).covered is True

    def test_approximate_area_needs_manual_check_inside(self):
        goat = township_product(
            "罗平黄山羊", "530324", LUOPING_NAMES, register="agri_gi", authority="moa"
        )
        inside = product_area_covers(product=goat, geometry=LUOPING_POINT)
        assert inside.covered is None and inside.in_mapped_area is True
        assert "manual" in inside.reason
        # The county contains the townships it stands in for: outside it is outside.
        outside = product_area_covers(product=goat, geometry=XUANWEI_CITY)
        assert outside.covered is False

    def test_unmatched_names_make_outside_undecidable(self):
        pig = township_product(
            "陆良滇陆猪", "530322", LULIANG_NAMES, register="agri_gi", authority="moa"
        )
        outside = product_area_covers(product=pig, geometry=XUANWEI_CITY)
        assert outside.covered is None and outside.in_mapped_area is False

    def test_not_mapped_is_undecidable(self):
        coffee = new_product("保山小粒咖啡")
        result = product_area_covers(product=coffee, geometry=XUANWEI_CITY)
        assert result.covered is None and result.precision == AreaPrecision.NOT_MAPPED


# -- recompute after boundary changes ----------------------------------------


def square(x: float, y: float, half: float = 0.05) -> MultiPolygon:
    ring = ((x - half, y - half), (x + half, y - half), (x + half, y + half), (x - half, y + half))
    return MultiPolygon(Polygon((*ring, ring[0])), srid=4326)


class TestRecompute:
    def test_county_boundary_change_recomputes_its_products(self):
        ham = product_set_area(
            product=new_product("宣威火腿"), units=[region("530381")], area_text="", unmatched=[]
        )
        other = product_set_area(
            product=new_product("永德芒果"), units=[region("530923")], area_text="", unmatched=[]
        )
        before_other = other.area_computed
        Region.objects.filter(code="530381").update(geom=square(104.5, 26.5))
        assert product_area_covers(product=ham, geometry=XUANWEI_CITY).covered is True  # stale

        assert products_recompute_areas(region_codes=["530381"]) == [ham.pk]
        ham.refresh_from_db()
        assert ham.area_geom.sym_difference(square(104.5, 26.5)).area < 1e-12
        assert product_area_covers(product=ham, geometry=XUANWEI_CITY).covered is False
        assert product_area_covers(product=ham, geometry=Point(104.5, 26.5, srid=4326)).covered
        other.refresh_from_db()
        assert other.area_computed == before_other

    def test_county_change_reaches_townships_it_stands_in_for(self):
        goat = township_product(
            "罗平黄山羊", "530324", LUOPING_NAMES, register="agri_gi", authority="moa"
        )
        Region.objects.filter(code="530324").update(geom=square(104.3, 24.9))
        assert products_recompute_areas(region_codes=["530324"]) == [goat.pk]
        goat.refresh_from_db()
        assert goat.area_geom.sym_difference(square(104.3, 24.9)).area < 1e-12

    def test_township_boundary_import_gives_it_its_own_outline(self):
        huaning = township_product(
            "华宁陶", "530424", ["宁州街道", "青龙镇", "盘溪镇", "华溪镇", "通红甸乡"]
        )
        town = square(102.93, 24.19, half=0.02)
        Region.objects.filter(code="530424001").update(geom=town)
        products_recompute_areas(region_codes=["530424001"])
        unit = huaning.area_units.get(region__code="530424001")
        assert unit.boundary == UnitBoundary.OWN
        huaning.refresh_from_db()
        assert huaning.area_precision == AreaPrecision.APPROXIMATE  # four still stood in for

    def test_boundaries_changed_signal_triggers_recompute(self):
        ham = product_set_area(
            product=new_product("宣威火腿"), units=[region("530381")], area_text="", unmatched=[]
        )
        Region.objects.filter(code="530381").update(geom=square(104.5, 26.5))
        boundaries_changed.send(sender=Region, codes=["530381"])
        ham.refresh_from_db()
        assert ham.area_geom.sym_difference(square(104.5, 26.5)).area < 1e-12
        parts = ProtectedAreaPart.objects.filter(product=ham)
        assert parts.count() == 1 and not parts.filter(geom__covers=XUANWEI_CITY).exists()
