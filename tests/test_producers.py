"""Producers: credit codes, location → county through PostGIS, filters, exports, import."""

import csv
import io

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.urls import reverse

from girrepo.validators import make_credit_code, validate_credit_code
from producers.choices import ProducerKind
from producers.models import CooperativeMember, Producer
from producers.resources import ProducerResource
from producers.services import producer_save
from regions import coords
from regions.models import Region

pytestmark = pytest.mark.django_db

# 陆良县 centre area and 楚雄市 (both well inside their counties).
LULIANG = (103.666, 25.030)
CHUXIONG_CITY = (101.546, 25.033)


def new_producer(n: int, *, kind=ProducerKind.COOPERATIVE, where=LULIANG, crs="wgs84", **extra):
    p = Producer(
        name=f"演示合作社{n}号 (demo)",
        credit_code=make_credit_code(f"93530322MA6N{n:05d}"),
        kind=kind,
        is_demo=True,
        **extra,
    )
    return producer_save(producer=p, longitude=where[0], latitude=where[1], crs=crs)


class TestCreditCode:
    def test_valid_codes_pass(self):
        validate_credit_code("91110000600037341L")  # published example
        validate_credit_code(make_credit_code("N2530322MA6N00001"))  # rural collective

    @pytest.mark.parametrize(
        "code,fragment",
        [
            ("91110000600037341M", "check character"),
            ("9111000060003734", "18 characters"),
            ("91110000600O37341L", "cannot contain O"),
            ("91AB0000600037341L", "division code"),
        ],
    )
    def test_invalid_codes_name_the_reason(self, code, fragment):
        with pytest.raises(ValidationError) as exc:
            validate_credit_code(code)
        assert fragment in " ".join(exc.value.messages)

    def test_unique(self):
        a = new_producer(1)
        dup = Producer(
            name="另一家 (demo)", credit_code=a.credit_code, kind=ProducerKind.ENTERPRISE
        )
        with pytest.raises(ValidationError) as exc:
            producer_save(producer=dup)
        assert "credit_code" in exc.value.message_dict


class TestLocation:
    def test_county_derived_from_location(self):
        p = new_producer(2)
        assert p.county.code == "530322"
        assert p.township is None  # no township boundaries: never guessed
        assert not p.region_override

    def test_gcj02_input_is_stored_as_wgs84(self):
        gcj = coords.from_wgs84(*LULIANG, "gcj02")
        p = new_producer(3, where=gcj, crs="gcj02")
        assert p.location.distance(coords.point_from_input(*LULIANG)) < 1e-7
        assert p.location_crs == "gcj02"

    def test_manual_override_is_kept(self):
        p = Producer(
            name="人工指定 (demo)",
            credit_code=make_credit_code("91530322MA6N00009"),
            kind=ProducerKind.ENTERPRISE,
            county=Region.objects.get(code="530324"),
            region_override=True,
        )
        producer_save(producer=p, longitude=LULIANG[0], latitude=LULIANG[1])
        assert p.county.code == "530324"

    def test_swapped_coordinates_rejected_and_nothing_saved(self):
        p = Producer(
            name="坐标错误 (demo)",
            credit_code=make_credit_code("91530322MA6N00010"),
            kind=ProducerKind.ENTERPRISE,
        )
        with pytest.raises(ValidationError) as exc:
            producer_save(producer=p, longitude=LULIANG[1], latitude=LULIANG[0])
        assert "swapped" in " ".join(exc.value.message_dict["location"])
        assert not Producer.objects.filter(name="坐标错误 (demo)").exists()

    def test_households_only_for_cooperatives(self):
        p = Producer(
            name="企业 (demo)",
            credit_code=make_credit_code("91530322MA6N00011"),
            kind=ProducerKind.ENTERPRISE,
            member_households=12,
        )
        with pytest.raises(ValidationError) as exc:
            producer_save(producer=p)
        assert "member_households" in exc.value.message_dict

    def test_member_must_belong_to_a_cooperative(self):
        firm = new_producer(12, kind=ProducerKind.ENTERPRISE)
        member = CooperativeMember(cooperative=firm, household_head="张三 (demo)")
        with pytest.raises(ValidationError) as exc:
            member.full_clean()
        assert "cooperative" in exc.value.message_dict


class TestListAndExport:
    @pytest.fixture
    def two(self):
        return new_producer(20), new_producer(21, where=CHUXIONG_CITY, name_en="Chuxiong demo")

    def test_prefecture_filter_includes_its_counties(self, client, two):
        luliang, chuxiong = two
        resp = client.get(reverse("producers:producer_list"), {"region": "530300"})  # 曲靖市
        assert resp.status_code == 200
        html = resp.content.decode()
        assert luliang.name in html and chuxiong.name not in html

    def test_pinyin_search(self, client, two):
        resp = client.get(reverse("producers:producer_list"), {"q": "yanshi hezuoshe 20"})
        assert resp.status_code == 200
        resp = client.get(reverse("producers:producer_list"), {"q": "yanshihezuoshe20"})
        assert two[0].name in resp.content.decode()
        assert two[1].name not in resp.content.decode()

    def test_csv_export_is_the_filtered_list(self, client, two):
        resp = client.get(reverse("producers:producer_list"), {"region": "532300", "export": "csv"})
        assert resp.status_code == 200
        rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8"))))
        assert len(rows) == 2  # header + 楚雄 producer only
        assert two[1].credit_code in rows[1]

    def test_xlsx_and_geojson_exports(self, client, two):
        url = reverse("producers:producer_list")
        xlsx = client.get(url, {"region": "530300", "export": "xlsx"})
        book = tablib.Dataset().load(xlsx.content, format="xlsx")
        assert len(book) == 1
        geo = client.get(url, {"region": "530300", "export": "geojson"}).json()
        assert [f["properties"]["credit_code"] for f in geo["features"]] == [two[0].credit_code]
        assert geo["features"][0]["geometry"]["type"] == "Point"

    def test_detail_page(self, client, two):
        resp = client.get(two[0].get_absolute_url())
        html = resp.content.decode()
        assert resp.status_code == 200
        assert two[0].credit_code in html and "陆良县" in html
        assert "leaflet" in html.lower() and "https://" not in html

    def test_unknown_region_gives_empty_list_not_error(self, client, two):
        resp = client.get(reverse("producers:producer_list"), {"region": "999999"})
        assert resp.status_code == 200
        assert two[0].name not in resp.content.decode()


class TestImport:
    def dataset(self, rows):
        ds = tablib.Dataset(
            headers=["name", "credit_code", "kind", "longitude", "latitude", "location_crs"]
        )
        for row in rows:
            ds.append(row)
        return ds

    def test_dry_run_then_commit(self):
        good = [
            "导入社 (demo)",
            make_credit_code("93530322MA6N00031"),
            "cooperative",
            *LULIANG,
            "wgs84",
        ]
        result = ProducerResource().import_data(self.dataset([good]), dry_run=True)
        assert not result.has_errors() and not result.has_validation_errors()
        assert not Producer.objects.filter(credit_code=good[1]).exists()
        ProducerResource().import_data(self.dataset([good]), dry_run=False)
        assert Producer.objects.get(credit_code=good[1]).county.code == "530322"

    def test_one_bad_row_saves_nothing(self):
        good = [
            "好行 (demo)",
            make_credit_code("93530322MA6N00032"),
            "cooperative",
            *LULIANG,
            "wgs84",
        ]
        bad = ["坏行 (demo)", "93530322MA6N00033X", "cooperative", *LULIANG, "wgs84"]
        result = ProducerResource().import_data(self.dataset([good, bad]), dry_run=False)
        assert result.has_validation_errors()
        invalid = result.invalid_rows[0]
        assert invalid.number == 2
        assert "credit_code" in invalid.field_specific_errors
        assert not Producer.objects.filter(name__in=["好行 (demo)", "坏行 (demo)"]).exists()
