"""One township, one product: constraints, lead warnings, filters, exports, pages, demo seed."""

import csv
import io

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from girrepo.validators import make_credit_code
from producers.choices import ProducerKind
from producers.models import Producer
from producers.services import producer_save
from products.models import Category, GIProduct
from regions.models import Region
from township_products.models import TownshipProduct
from township_products.selectors import lead_cooperative_warnings
from township_products.services import township_product_save
from varieties.choices import PlantType
from varieties.models import PlantVariety
from varieties.services import variety_save

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MAJIE_LULIANG = "530322104"  # 陆良县 马街镇
LUXIONG_LUOPING = "530324001"  # 罗平县 罗雄街道
LUCHENG_CHUXIONG = "532301101"  # 楚雄市 鹿城镇
LULIANG = (103.666, 25.030)
CHUXIONG_CITY = (101.546, 25.033)


def township(code: str) -> Region:
    return Region.objects.get(code=code)


def new_product(code=MAJIE_LULIANG, name="演示产品 (demo)", *, leads=None, **extra):
    return township_product_save(
        township_product=TownshipProduct(
            township=township(code), product_name=name, is_demo=True, **extra
        ),
        lead_cooperatives=leads,
    )


def new_producer(n: int, *, kind=ProducerKind.COOPERATIVE, where=LULIANG) -> Producer:
    return producer_save(
        producer=Producer(
            name=f"演示带头社{n} (demo)",
            credit_code=make_credit_code(f"93530322MA6N{n:05d}"),
            kind=kind,
            is_demo=True,
        ),
        longitude=where[0],
        latitude=where[1],
    )


class TestRules:
    def test_unique_per_township(self):
        new_product()
        with pytest.raises(ValidationError) as exc:
            new_product()
        assert "already has this featured product" in " ".join(exc.value.messages)
        with pytest.raises(IntegrityError), transaction.atomic():
            TownshipProduct.objects.create(
                township=township(MAJIE_LULIANG), product_name="演示产品 (demo)"
            )
        # The same product name in another township is fine.
        assert new_product(LUXIONG_LUOPING).pk

    def test_township_level_required(self):
        with pytest.raises(ValidationError) as exc:
            new_product("530322")  # a county
        assert "township" in exc.value.message_dict

    @pytest.mark.parametrize("year", [1979, timezone.localdate().year + 1])
    def test_year_out_of_range(self, year):
        with pytest.raises(ValidationError) as exc:
            new_product(year_recognised=year)
        assert "year_recognised" in exc.value.message_dict

    def test_year_bounds_accepted(self):
        assert new_product(year_recognised=1980).year_recognised == 1980
        this_year = timezone.localdate().year
        assert new_product(name="今年 (demo)", year_recognised=this_year).pk

    def test_households_positive(self):
        with pytest.raises(ValidationError) as exc:
            new_product(households_involved=0)
        assert "households_involved" in exc.value.message_dict

    def test_lead_warnings_do_not_block(self):
        local_coop = new_producer(601)
        association = new_producer(602, kind=ProducerKind.ASSOCIATION)
        elsewhere = new_producer(603, where=CHUXIONG_CITY)
        tp = new_product(leads=[local_coop, association, elsewhere])
        assert set(tp.lead_cooperatives.all()) == {local_coop, association, elsewhere}
        warnings = lead_cooperative_warnings(township_product=tp)
        assert len(warnings) == 2
        assert any(association.name in w and "not a cooperative" in w for w in warnings)
        assert any(elsewhere.name in w and "楚雄市" in w and "陆良县" in w for w in warnings)
        assert not any(local_coop.name in w for w in warnings)


class TestListAndExport:
    @pytest.fixture
    def records(self):
        variety = variety_save(
            variety=PlantVariety(
                denomination="演示品种 (demo)",
                species_zh="马铃薯",
                plant_type=PlantType.HERBACEOUS,
                is_demo=True,
            )
        )
        lead = new_producer(610)
        luliang = new_product(
            name="滇陆猪 (demo)", year_recognised=2012, households_involved=300, leads=[lead]
        )
        chuxiong = new_product(LUCHENG_CHUXIONG, name="演示菌子 (demo)", variety=variety)
        return luliang, chuxiong, variety, lead

    def names(self, client, **params) -> set[str]:
        resp = client.get(reverse("township_products:townshipproduct_list"), params)
        assert resp.status_code == 200
        html = resp.content.decode()
        return {n for n in ("滇陆猪 (demo)", "演示菌子 (demo)") if n in html}

    def test_prefecture_filter_includes_its_townships(self, client, records):
        assert self.names(client, region="530300") == {"滇陆猪 (demo)"}  # 曲靖市
        assert self.names(client, region="532300") == {"演示菌子 (demo)"}  # 楚雄州
        assert self.names(client, region="530322") == {"滇陆猪 (demo)"}  # 陆良县
        assert self.names(client, region="530000") == {"滇陆猪 (demo)", "演示菌子 (demo)"}
        qujing = Region.objects.get(code="530300")
        assert self.names(client, region_id=str(qujing.pk)) == {"滇陆猪 (demo)"}

    def test_other_filters(self, client, records):
        luliang, chuxiong, variety, lead = records
        assert self.names(client, year_recognised_min="2010") == {"滇陆猪 (demo)"}
        assert self.names(client, year_recognised_max="2011") == set()
        assert self.names(client, has_variety="true") == {"演示菌子 (demo)"}
        assert self.names(client, has_variety="false") == {"滇陆猪 (demo)"}
        assert self.names(client, has_gi_product="true") == set()
        assert self.names(client, variety_id=str(variety.pk)) == {"演示菌子 (demo)"}
        assert self.names(client, lead_cooperative_id=str(lead.pk)) == {"滇陆猪 (demo)"}
        assert self.names(client, q="dianluzhu") == {"滇陆猪 (demo)"}
        assert self.names(client, q="马街") == {"滇陆猪 (demo)"}  # township name

    def test_csv_and_xlsx(self, client, records):
        url = reverse("township_products:townshipproduct_list")
        resp = client.get(url, {"region": "530300", "export": "csv"})
        rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8"))))
        assert len(rows) == 2
        assert "滇陆猪 (demo)" in rows[1] and MAJIE_LULIANG in rows[1] and "陆良县" in rows[1]
        book = tablib.Dataset().load(client.get(url, {"export": "xlsx"}).content, format="xlsx")
        assert len(book) == 2

    def test_geojson_places_records_at_the_county(self, client, records):
        url = reverse("township_products:townshipproduct_list")
        geo = client.get(url, {"region": "530300", "export": "geojson"}).json()
        assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 1
        feature = geo["features"][0]
        props = feature["properties"]
        assert props["precision"] == "county"
        assert props["township_code"] == MAJIE_LULIANG and props["county_code"] == "530322"
        assert props["is_demo"] is True and props["households_involved"] == 300
        point = Region.objects.get(code="530322").label_point
        lon, lat = feature["geometry"]["coordinates"]
        assert feature["geometry"]["type"] == "Point"
        assert abs(lon - point.x) < 1e-4 and abs(lat - point.y) < 1e-4

    def test_list_page_offers_geojson(self, client, records):
        html = client.get(reverse("township_products:townshipproduct_list")).content.decode()
        assert "export=geojson" in html

    def test_detail_page_links(self, client, records):
        luliang, chuxiong, variety, lead = records
        html = client.get(luliang.get_absolute_url(), **EN).content.decode()
        assert township(MAJIE_LULIANG).get_absolute_url() in html
        assert Region.objects.get(code="530322").get_absolute_url() in html  # county
        assert lead.get_absolute_url() in html
        html = client.get(chuxiong.get_absolute_url(), **EN).content.decode()
        assert variety.get_absolute_url() in html
        # The variety's page links back.
        assert (
            chuxiong.get_absolute_url() in client.get(variety.get_absolute_url()).content.decode()
        )

    def test_lead_warnings_shown_to_staff_only(self, client, admin_client, records):
        luliang = records[0]
        luliang.lead_cooperatives.add(new_producer(611, kind=ProducerKind.INDIVIDUAL))
        assert (
            "not a cooperative" not in client.get(luliang.get_absolute_url(), **EN).content.decode()
        )
        staff_html = admin_client.get(luliang.get_absolute_url(), **EN).content.decode()
        assert "not a cooperative" in staff_html


class TestAdmin:
    def test_admin_save_warns_about_leads(self, admin_client):
        association = new_producer(630, kind=ProducerKind.ASSOCIATION)
        url = reverse("admin:township_products_townshipproduct_add")
        assert admin_client.get(url).status_code == 200
        resp = admin_client.post(
            url,
            {
                "township": township(MAJIE_LULIANG).pk,
                "product_name": "后台录入 (demo)",
                "lead_cooperatives": [association.pk],
                "is_demo": "on",
                "description": "",
                "sources": "",
            },
            follow=True,
            **EN,
        )
        tp = TownshipProduct.objects.get(product_name="后台录入 (demo)")
        assert list(tp.lead_cooperatives.all()) == [association]
        messages = " ".join(str(m) for m in resp.context["messages"])
        assert "not a cooperative or enterprise" in messages
        history = reverse("admin:township_products_townshipproduct_history", args=[tp.pk])
        assert admin_client.get(history).status_code == 200


class TestDemoSeed:
    def test_seed_is_demo_and_idempotent(self):
        call_command("seed_township_products_demo", verbosity=0)
        call_command("seed_township_products_demo", verbosity=0)
        records = list(TownshipProduct.objects.select_related("township__parent"))
        assert len(records) == 2
        assert all(r.is_demo and r.product_name.endswith("(demo)") for r in records)
        assert {r.township.code for r in records} == {MAJIE_LULIANG, LUXIONG_LUOPING}
        # No GI products loaded in this test: the links are skipped, nothing invented.
        assert all(r.gi_product_id is None and r.year_recognised is None for r in records)
        assert all(r.households_involved is None for r in records)

    def test_seed_links_the_real_gi_when_loaded(self):
        meat = Category.objects.create(name="演示肉类 (demo)", slug="demo-meat")
        gi = GIProduct.objects.create(
            name="陆良滇陆猪", category=meat, register="agri_gi", authority="moa"
        )
        coop = new_producer(620)
        call_command("seed_township_products_demo", verbosity=0)
        record = TownshipProduct.objects.get(township__code=MAJIE_LULIANG)
        assert record.gi_product == gi and record.category == meat
        assert list(record.lead_cooperatives.all()) == [coop]
        assert gi.township_products.get() == record
