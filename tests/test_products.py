"""GI products: register rules, the real facts, filters, exports, pages and admin."""

import csv
import datetime as dt
import io
import json
import re

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from products.choices import AreaPrecision, Authority, MatchedBy, ProductStatus, Register
from products.models import Category, GIProduct, ProtectedAreaUnit, StandardReference
from products.resources import GIProductResource
from products.services import product_save, product_set_status
from regions.models import Region

pytestmark = pytest.mark.django_db

FOREIGN = re.compile(r"https?://|//cdn\.|jsdelivr|unpkg|cdnjs|googleapis|bootstrapcdn")
LIST = reverse("products:product_list")


@pytest.fixture(scope="module")
def facts(django_db_setup, django_db_blocker):
    """The real facts, loaded once for this module and rolled back after it.

    Each test runs in a savepoint inside this transaction, so tests still
    cannot see each other's writes, and nothing is left in the test database.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_gi_facts", verbosity=0)
        yield {p.name: p for p in GIProduct.objects.all()}
        transaction.set_rollback(True)


@pytest.fixture
def category():
    return Category.objects.get_or_create(slug="test-cat", defaults={"name": "测试类别"})[0]


def product(name, category, **kw) -> GIProduct:
    kw.setdefault("register", Register.GI_PRODUCT)
    kw.setdefault("authority", Authority.AQSIQ if kw["register"] == "gi_product" else "moa")
    return GIProduct(name=name, category=category, **kw)


def names_in(html: str, candidates) -> set[str]:
    return {n for n in candidates if f">{n}<" in html}


# -- register rules ----------------------------------------------------------


class TestRegisterRules:
    def test_agri_gi_must_be_announced_by_the_ministry(self, category):
        wrong = product("测试猪", category, register=Register.AGRI_GI, authority=Authority.AQSIQ)
        with pytest.raises(ValidationError) as exc:
            wrong.full_clean()
        assert "authority" in exc.value.message_dict
        with (
            pytest.raises(IntegrityError, match="giproduct_authority_matches_register"),
            transaction.atomic(),
        ):
            wrong.save()

    def test_gi_product_never_by_the_ministry(self, category):
        wrong = product("测试茶", category, authority=Authority.MOA)
        with pytest.raises(ValidationError) as exc:
            wrong.full_clean()
        assert "authority" in exc.value.message_dict

    def test_unrecorded_authority_only_in_gi_product_register(self, category):
        product_save(product=product("测试咖啡", category, authority=""))
        with pytest.raises(ValidationError) as exc:
            product("测试羊", category, register=Register.AGRI_GI, authority="").full_clean()
        assert "authority" in exc.value.message_dict

    def test_same_name_once_per_register(self, category):
        product_save(product=product("同名产品", category))
        product_save(product=product("同名产品", category, register=Register.AGRI_GI))
        assert GIProduct.objects.filter(name="同名产品").count() == 2
        with pytest.raises(ValidationError) as exc:
            product_save(product=product("同名产品", category))
        assert "already has a product with this name" in str(exc.value)
        with pytest.raises(IntegrityError), transaction.atomic():
            product("同名产品", category).save()

    @pytest.mark.parametrize(
        "authority,date,message",
        [
            (Authority.AQSIQ, dt.date(2020, 5, 1), "only until 2018"),
            (Authority.CNIPA, dt.date(2015, 5, 1), "only since 2018"),
        ],
    )
    def test_authority_of_the_era(self, category, authority, date, message):
        with pytest.raises(ValidationError) as exc:
            product("时代", category, authority=authority, announcement_date=date).full_clean()
        assert message in " ".join(exc.value.message_dict["authority"])

    def test_year_must_agree_with_date(self, category):
        p = product("年份", category, announcement_date=dt.date(2017, 3, 1), announcement_year=2016)
        with pytest.raises(ValidationError) as exc:
            p.full_clean()
        assert "announcement_year" in exc.value.message_dict
        with (
            pytest.raises(IntegrityError, match="announcement_year_matches_date"),
            transaction.atomic(),
        ):
            p.save()

    def test_nothing_to_verify(self, category):
        with pytest.raises(ValidationError) as exc:
            product("核实", category, announcement_verified=True).full_clean()
        assert "announcement_verified" in exc.value.message_dict

    def test_precision_cannot_claim_a_missing_geometry(self, category):
        p = product_save(product=product("无边界", category))
        with (
            pytest.raises(IntegrityError, match="precision_matches_geometry"),
            transaction.atomic(),
        ):
            GIProduct.objects.filter(pk=p.pk).update(area_precision=AreaPrecision.EXACT)

    def test_standard_code_format(self, category):
        p = product_save(product=product("标准", category))
        StandardReference(product=p, code="GB/T 22111-2008").full_clean()
        with pytest.raises(ValidationError) as exc:
            StandardReference(product=p, code="22111 of 2008").full_clean()
        assert "code" in exc.value.message_dict

    def test_unit_must_be_prefecture_county_or_township(self, category):
        p = product_save(product=product("全省", category))
        unit = ProtectedAreaUnit(product=p, region=Region.objects.get(code="530000"))
        with pytest.raises(ValidationError) as exc:
            unit.full_clean()
        assert "region" in exc.value.message_dict

    def test_status_change_is_recorded_with_its_reason(self, category):
        p = product_save(product=product("撤销", category))
        product_set_status(
            product=p, status=ProductStatus.CANCELLED, reason="not produced for 2 years"
        )
        last = p.history.first()
        assert last.status == ProductStatus.CANCELLED
        assert last.history_change_reason == "not produced for 2 years"

    def test_pinyin_and_search_key(self, category):
        p = product_save(product=product("普洱茶", category))
        assert p.name_pinyin == "pu er cha" and p.search_key == "puercha"


# -- the real facts ----------------------------------------------------------


class TestFacts:
    def test_sixteen_products_in_two_registers(self, facts):
        assert len(facts) == 16
        agri = {n for n, p in facts.items() if p.register == Register.AGRI_GI}
        assert agri == {"陆良滇陆猪", "罗平黄山羊"}
        assert {facts[n].authority for n in agri} == {Authority.MOA}
        # No announcement number is known for any of them: none is invented.
        assert {p.announcement_number for p in facts.values()} == {""}

    def test_puer_tea(self, facts):
        tea = facts["普洱茶"]
        assert tea.name_en == "Pu'er tea"
        assert tea.area_precision == AreaPrecision.APPROXIMATE
        assert tea.area_units_contain_area and "639" in tea.area_note
        assert sorted(tea.area_units.values_list("region__code", flat=True)) == [
            "530100", "530400", "530500", "530800", "530900",
            "532300", "532500", "532600", "532800", "532900", "533100",
        ]  # fmt: skip
        standard = tea.standards.get()
        assert (standard.code, standard.effective_date) == ("GB/T 22111-2008", dt.date(2008, 12, 1))
        assert tea.announcement_date is None and not tea.announcement_verified

    def test_areas_and_precisions(self, facts):
        precision = {n: p.area_precision for n, p in facts.items()}
        assert precision["宣威火腿"] == precision["南华松茸"] == precision["永德芒果"] == "exact"
        assert (
            precision["华宁陶"]
            == precision["陆良滇陆猪"]
            == precision["罗平黄山羊"]
            == "approximate"
        )
        for name in ("文山三七", "保山小粒咖啡", "昌宁核桃", "腾冲红花油茶油", "龙陵紫皮石斛",
                     "昌宁红茶", "普洱咖啡", "墨江紫米"):  # fmt: skip
            assert precision[name] == "not_mapped", name
            assert not facts[name].area_units.exists()
        assert facts["陆良滇陆猪"].area_unmatched == ["华侨农场管理区"]
        assert facts["罗平黄山羊"].area_units.filter(matched_by=MatchedBy.ROOT).count() == 3
        assert facts["宣威火腿"].area_text == "宣威市现辖行政区域"

    def test_dates_only_where_known(self, facts):
        assert facts["文山三七"].announcement_date == dt.date(2002, 11, 8)
        assert facts["陆良滇陆猪"].announcement_date == dt.date(2014, 11, 28)
        assert facts["永德芒果"].announcement_date is None
        assert facts["永德芒果"].announcement_year == 2017
        assert (facts["普洱咖啡"].authority, facts["普洱咖啡"].announcement_year) == ("cnipa", 2021)
        assert facts["保山小粒咖啡"].authority == ""

    def test_reload_changes_nothing(self, facts):
        histories = sum(p.history.count() for p in GIProduct.objects.all())
        units = ProtectedAreaUnit.history.count()
        computed = dict(GIProduct.objects.values_list("name", "area_computed"))
        out = io.StringIO()
        call_command("load_gi_facts", stdout=out)
        assert "nothing changed" in out.getvalue()
        assert sum(p.history.count() for p in GIProduct.objects.all()) == histories
        assert ProtectedAreaUnit.history.count() == units
        assert dict(GIProduct.objects.values_list("name", "area_computed")) == computed

    def test_reload_restores_a_changed_fact(self, facts):
        GIProduct.objects.filter(name="宣威火腿").update(area_text="edited")
        out = io.StringIO()
        call_command("load_gi_facts", stdout=out)
        assert "1 records changed" in out.getvalue()
        assert GIProduct.objects.get(name="宣威火腿").area_text == "宣威市现辖行政区域"


# -- list, filters, exports --------------------------------------------------

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


class TestList:
    def get(self, client, url=LIST, **params):
        resp = client.get(url, params, **EN)
        assert resp.status_code == 200
        return resp

    def test_prefecture_filter_over_area_units(self, client, facts):
        html = self.get(client, region="532300").content.decode()
        assert names_in(html, facts) == {"南华松茸", "楚雄牛肝菌", "普洱茶"}

    def test_area_region_also_finds_areas_above(self, client, facts):
        html = self.get(client, area_region="532301").content.decode()  # 楚雄市
        assert names_in(html, facts) == {"南华松茸", "楚雄牛肝菌", "普洱茶"}
        html = self.get(client, area_region="530381").content.decode()  # 宣威市
        assert names_in(html, facts) == {"宣威火腿"}

    @pytest.mark.parametrize("q", ["puer", "普洱", "Pu'er tea", "pǔ'ěr", "pu er cha"])
    def test_search(self, client, facts, q):
        assert "普洱茶" in names_in(self.get(client, q=q).content.decode(), facts)

    def test_search_is_selective(self, client, facts):
        assert names_in(self.get(client, q="Xuanwei").content.decode(), facts) == {"宣威火腿"}

    def test_registers_are_listed_apart(self, client, facts):
        agri = self.get(client, reverse("products:agri_gi_list")).content.decode()
        assert names_in(agri, facts) == {"陆良滇陆猪", "罗平黄山羊"}
        assert "Agricultural-product GIs" in agri
        gi = self.get(client, reverse("products:gi_product_list")).content.decode()
        assert "普洱茶" in names_in(gi, facts) and "陆良滇陆猪" not in gi
        by_param = self.get(client, register="gi_product").content.decode()
        assert names_in(by_param, facts) == names_in(gi, facts)

    def test_register_preset_cannot_be_overridden(self, client, facts):
        html = self.get(client, reverse("products:agri_gi_list"), register="gi_product")
        assert names_in(html.content.decode(), facts) == {"陆良滇陆猪", "罗平黄山羊"}

    def test_other_filters(self, client, facts):
        dated = self.get(
            client, announcement_date_after="2014-01-01", announcement_date_before="2014-12-31"
        )
        assert names_in(dated.content.decode(), facts) == {"陆良滇陆猪", "罗平黄山羊"}
        fungi = self.get(client, category="edible-fungi").content.decode()
        assert names_in(fungi, facts) == {"南华松茸", "楚雄牛肝菌"}
        exact = self.get(client, precision="exact").content.decode()
        assert names_in(exact, facts) == {"宣威火腿", "永德芒果", "南华松茸", "楚雄牛肝菌"}
        cancelled = self.get(client, status="cancelled").content.decode()
        assert names_in(cancelled, facts) == set()

    def test_unverified_badge_in_list(self, client, facts):
        html = self.get(client, q="宣威火腿").content.decode()
        assert "unverified" in html

    def test_list_query_count(self, client, facts, django_assert_max_num_queries):
        # 7: the page, its filters (categories, the region select) and the rows.
        with django_assert_max_num_queries(7) as queries:
            resp = client.get(LIST, **EN)
        assert len(names_in(resp.content.decode(), facts)) == 16
        # Neither the product areas nor the region boundaries are fetched for a list.
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert '"area_geom"' not in sql and '"geom"' not in sql

    def test_csv_export_is_the_filtered_list(self, client, facts):
        resp = self.get(client, region="532300", export="csv")
        rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8"))))
        assert {r["Name"] for r in rows} == {"南华松茸", "楚雄牛肝菌", "普洱茶"}
        tea = next(r for r in rows if r["Name"] == "普洱茶")
        assert "普洱市" in tea["Protected area"] and "西双版纳傣族自治州" in tea["Protected area"]

    def test_xlsx_export(self, client, facts):
        resp = self.get(client, register="agri_gi", export="xlsx")
        book = tablib.Dataset().load(resp.content, format="xlsx")
        assert sorted(book["Name"]) == ["罗平黄山羊", "陆良滇陆猪"]

    def test_geojson_export_is_simplified_and_filtered(self, client, facts):
        resp = self.get(client, region="532300", export="geojson")
        assert len(resp.content) < 400_000  # 普洱茶's 11 prefectures included
        data = json.loads(resp.content)
        assert {f["properties"]["name"] for f in data["features"]} == {
            "南华松茸", "楚雄牛肝菌", "普洱茶"
        }  # fmt: skip
        feature = data["features"][0]
        assert feature["properties"]["url"] == f"/products/{feature['properties']['pk']}/"
        assert feature["geometry"]["type"] == "MultiPolygon"
        x = feature["geometry"]["coordinates"][0][0][0][0]
        assert len(repr(x).split(".")[1]) <= 5
        # Not-mapped products have no geometry and are left out, not exported empty.
        unmapped = self.get(client, precision="not_mapped", export="geojson")
        assert json.loads(unmapped.content)["features"] == []


# -- detail pages ------------------------------------------------------------


class TestDetail:
    def html(self, client, p, **headers) -> str:
        resp = client.get(p.get_absolute_url(), **(headers or EN))
        assert resp.status_code == 200
        return resp.content.decode()

    def test_puer_tea_page(self, client, facts):
        html = self.html(client, facts["普洱茶"])
        assert "Pu&#x27;er tea" in html or "Pu'er tea" in html
        assert 'data-register="gi_product"' in html
        assert "GB/T 22111-2008" in html and "2008-12-01" in html
        assert "639 townships" in html and "11 prefectures that contain them" in html
        assert "unverified" in html and 'data-precision="approximate"' in html
        assert 'href="/regions/530800/"' in html
        assert "leaflet" in html.lower() and not FOREIGN.search(html)
        assert len(html) < 400_000  # simplified outlines only

    def test_agri_gi_page_shows_unmatched_names(self, client, facts):
        html = self.html(client, facts["陆良滇陆猪"])
        assert 'data-register="agri_gi"' in html and "Agricultural-product GI" in html
        assert '<mark class="unmatched-name">华侨农场管理区</mark>' in html
        assert 'href="/regions/530322001/"' in html and "陆良县 stands in" in html
        assert "2014-11-28" in html and "unverified" not in html

    def test_detail_query_count(self, client, facts, django_assert_max_num_queries):
        self.html(client, facts["罗平黄山羊"])  # the map's legend is cached from then on
        # 7 for the page; the map's units (to highlight) and its box.
        with django_assert_max_num_queries(9) as queries:
            self.html(client, facts["罗平黄山羊"])  # 13 township units
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert 'U0."area_geom"' not in sql and '"products_giproduct"."area_geom"' not in sql

    def test_not_mapped_page(self, client, facts):
        html = self.html(client, facts["保山小粒咖啡"])
        assert "Area not verified" in html and 'data-precision="not_mapped"' in html
        assert "The protected area is not mapped." in html and "leaflet.js" not in html

    def test_chinese_page(self, client, facts):
        html = self.html(client, facts["宣威火腿"], HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "宣威市现辖行政区域" in html and "GB/T 18357-2008" in html
        assert not FOREIGN.search(html)

    def test_map_has_the_area_and_linked_units(self, client, facts):
        product = facts["华宁陶"]
        html = self.html(client, product)
        assert '"coordinates"' not in html  # the map draws vector tiles, nothing embedded
        config = json.loads(
            re.search(
                r'<script id="detail-map-config" type="application/json">(.*?)</script>', html
            ).group(1)
        )
        # Five township units: their county stands in, highlighted dashed.
        assert config["highlight"] == {"own": [], "approx": ["530424"]}
        assert config["tiles"]["query"] == f"product={product.pk}"
        urls = {layer["name"]: layer.get("url") for layer in config["layers"]}
        assert urls["producers"].startswith(f"/map/points/producers.json?product={product.pk}&")
        assert urls["townships"].startswith(f"/map/points/townships.json?product={product.pk}&")

    def test_related_block_for_other_apps(self):
        from django.template.loader import get_template

        source = get_template("products/product_detail.html").template.source
        assert "{% block related %}" in source


# -- admin and import --------------------------------------------------------


def test_admin_save_recomputes_the_area(admin_client, category):
    url = reverse("admin:products_giproduct_add")
    xuanwei = Region.objects.get(code="530381")
    data = {
        "name": "宣威火腿测试",
        "category": category.pk,
        "register": "gi_product",
        "status": "protected",
        "authority": "aqsiq",
        "area_text": "宣威市现辖行政区域",
        "area_unmatched": "",
        "standards-TOTAL_FORMS": "0",
        "standards-INITIAL_FORMS": "0",
        "area_units-TOTAL_FORMS": "1",
        "area_units-INITIAL_FORMS": "0",
        "area_units-0-region": xuanwei.pk,
        "area_units-0-text_as_announced": "宣威市",
        "area_units-0-matched_by": "manual",
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
    }
    resp = admin_client.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    p = GIProduct.objects.get(name="宣威火腿测试")
    assert p.area_precision == AreaPrecision.EXACT and p.area_parts.exists()
    assert p.name_pinyin == "xuan wei huo tui ce shi"


def test_import_dry_run_then_commit(category):
    ds = tablib.Dataset(headers=["register", "name", "category", "authority", "area_precision"])
    ds.append(["gi_product", "导入测试产品", "test-cat", "cnipa", "exact"])
    result = GIProductResource().import_data(ds, dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert not GIProduct.objects.filter(name="导入测试产品").exists()
    GIProductResource().import_data(ds, dry_run=False)
    p = GIProduct.objects.get(name="导入测试产品")
    assert p.area_precision == AreaPrecision.NOT_MAPPED  # never imported
    assert p.name_pinyin == "dao ru ce shi chan pin"


def test_import_rejects_register_mismatch(category):
    ds = tablib.Dataset(headers=["register", "name", "category", "authority"])
    ds.append(["agri_gi", "错配", "test-cat", "cnipa"])
    result = GIProductResource().import_data(ds, dry_run=False)
    assert result.has_validation_errors()
    assert "authority" in result.invalid_rows[0].field_specific_errors
    assert not GIProduct.objects.filter(name="错配").exists()


@pytest.mark.parametrize(
    "model",
    ["category", "giproduct", "standardreference", "productphoto", "protectedareaunit",
     "protectedareapart"],
)  # fmt: skip
def test_admin_changelists(admin_client, facts, model):
    resp = admin_client.get(reverse(f"admin:products_{model}_changelist"))
    assert resp.status_code == 200


def test_admin_change_form_and_history(admin_client, facts):
    goat = facts["罗平黄山羊"]
    resp = admin_client.get(reverse("admin:products_giproduct_change", args=[goat.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200 and "鲁布革乡" in html  # the units inline
    assert 'name="area_geom"' not in html  # derived, never a form field
    history = admin_client.get(reverse("admin:products_giproduct_history", args=[goat.pk]))
    assert history.status_code == 200


def test_photo_form_sanitizes_the_upload(client, category):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from products.admin import ProductPhotoForm

    p = product_save(product=product("照片测试", category))
    raw = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {2: (25.0, 2.0, 0.0), 4: (102.0, 43.0, 0.0)}  # GPS position
    Image.new("RGB", (900, 600), (30, 120, 30)).save(raw, "JPEG", exif=exif)
    upload = SimpleUploadedFile("tea.JPG", raw.getvalue(), content_type="image/jpeg")
    form = ProductPhotoForm(data={"caption": "茶园"}, files={"image": upload})
    form.instance.product = p
    assert form.is_valid(), form.errors
    photo = form.save()
    stored = Image.open(photo.image.open())
    assert not stored.getexif() and photo.thumbnail
    assert list(p.photos.all()) == [photo]
    html = client.get(p.get_absolute_url()).content.decode()
    assert f'src="{photo.thumbnail.url}"' in html and 'alt="茶园"' in html
