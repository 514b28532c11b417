"""Plant varieties: protection terms, validation, denomination similarity, pages, facts."""

import csv
import datetime
import io

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from girrepo.validators import make_credit_code
from producers.choices import ProducerKind
from producers.models import Producer
from producers.services import producer_save
from regions.models import Region
from varieties.choices import PlantType, VarietyRegister, VarietyStatus
from varieties.denominations import denomination_key
from varieties.forms import PlantVarietyAdminForm
from varieties.models import PlantVariety
from varieties.resources import PlantVarietyResource
from varieties.selectors import (
    protection_expiry,
    similar_denominations,
    variety_effective_status,
)
from varieties.services import variety_save

pytestmark = pytest.mark.django_db

AGRI = VarietyRegister.NATIONAL_AGRI_PVP
FORESTRY = VarietyRegister.NATIONAL_FORESTRY_PVP
FLOWER = VarietyRegister.YUNNAN_FLOWER
LEAP_DAY = datetime.date(2004, 2, 29)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def new_variety(denomination="演示品种 (demo)", *, growing_regions=None, **extra) -> PlantVariety:
    fields = {
        "species_zh": "茶",
        "species_latin": "Camellia sinensis",
        "plant_type": PlantType.WOODY_OTHER,
        "register": AGRI,
        "status": VarietyStatus.FILED,
        "is_demo": True,
    }
    fields.update(extra)
    return variety_save(
        variety=PlantVariety(denomination=denomination, **fields),
        growing_regions=growing_regions,
    )


def granted(denomination, grant_date, number, **extra) -> PlantVariety:
    return new_variety(
        denomination,
        status=VarietyStatus.GRANTED,
        grant_date=grant_date,
        grant_number=number,
        **extra,
    )


# The terms written out by hand from the regulations, not from the code's tables.
NATIONAL_YEARS = {
    PlantType.VINE: 20,
    PlantType.FOREST_TREE: 20,
    PlantType.FRUIT_TREE: 20,
    PlantType.ORNAMENTAL_TREE: 20,
    PlantType.WOODY_OTHER: 15,
    PlantType.HERBACEOUS: 15,
    PlantType.OTHER: 15,
}
FLOWER_YEARS = {
    PlantType.HERBACEOUS: 5,
    PlantType.WOODY_OTHER: 10,
    PlantType.ORNAMENTAL_TREE: 10,
    PlantType.FOREST_TREE: 10,
    PlantType.FRUIT_TREE: 10,
    PlantType.VINE: None,  # neither herbaceous nor woody: refused by clean()
    PlantType.OTHER: None,
}


class TestProtectionExpiry:
    @pytest.mark.parametrize("register", [AGRI, FORESTRY])
    @pytest.mark.parametrize("plant_type", list(PlantType))
    def test_national_terms(self, register, plant_type):
        years = NATIONAL_YEARS[plant_type]
        got = protection_expiry(
            register=register, plant_type=plant_type, grant_date=datetime.date(2010, 6, 15)
        )
        assert got == datetime.date(2010 + years, 6, 15)

    @pytest.mark.parametrize("plant_type", list(PlantType))
    def test_yunnan_flower_terms(self, plant_type):
        years = FLOWER_YEARS[plant_type]
        got = protection_expiry(
            register=FLOWER, plant_type=plant_type, grant_date=datetime.date(2018, 3, 1)
        )
        assert got == (datetime.date(2018 + years, 3, 1) if years else None)

    @pytest.mark.parametrize(
        "register,plant_type,expected",
        [
            # 20 years from a leap day lands on a leap day.
            (AGRI, PlantType.FRUIT_TREE, datetime.date(2024, 2, 29)),
            (FORESTRY, PlantType.FOREST_TREE, datetime.date(2024, 2, 29)),
            # 15, 10 and 5 years do not: the month's last day ends the term.
            (AGRI, PlantType.HERBACEOUS, datetime.date(2019, 2, 28)),
            (FORESTRY, PlantType.WOODY_OTHER, datetime.date(2019, 2, 28)),
            (FLOWER, PlantType.WOODY_OTHER, datetime.date(2014, 2, 28)),
            (FLOWER, PlantType.HERBACEOUS, datetime.date(2009, 2, 28)),
        ],
    )
    def test_leap_day_grants(self, register, plant_type, expected):
        assert (
            protection_expiry(register=register, plant_type=plant_type, grant_date=LEAP_DAY)
            == expected
        )

    def test_no_grant_date_no_expiry(self):
        assert protection_expiry(register=AGRI, plant_type=PlantType.VINE, grant_date=None) is None

    def test_unrecorded_register_no_expiry(self):
        assert (
            protection_expiry(
                register=VarietyRegister.UNRECORDED,
                plant_type=PlantType.VINE,
                grant_date=LEAP_DAY,
            )
            is None
        )

    def test_save_service_stores_and_recomputes(self):
        v = granted("期限测试 (demo)", LEAP_DAY, "DEMO-T1", plant_type=PlantType.VINE)
        assert v.protection_expires == datetime.date(2024, 2, 29)
        v.plant_type = PlantType.HERBACEOUS
        variety_save(variety=v)
        v.refresh_from_db()
        assert v.protection_expires == datetime.date(2019, 2, 28)
        v.grant_date = None
        v.grant_number = ""
        v.status = VarietyStatus.FILED
        variety_save(variety=v)
        v.refresh_from_db()
        assert v.protection_expires is None

    def test_model_save_alone_does_not_compute(self):
        v = PlantVariety(
            denomination="直接保存 (demo)",
            species_zh="茶",
            plant_type=PlantType.VINE,
            register=AGRI,
            grant_date=LEAP_DAY,
            grant_number="DEMO-T2",
        )
        v.save()
        assert v.protection_expires is None  # a business rule: only the service sets it

    def test_expired_status_is_derived(self):
        v = granted("过期测试 (demo)", datetime.date(2001, 5, 10), "DEMO-T3")
        assert v.protection_expires == datetime.date(2016, 5, 10)
        on_last_day = variety_effective_status(variety=v, today=datetime.date(2016, 5, 10))
        after = variety_effective_status(variety=v, today=datetime.date(2016, 5, 11))
        assert on_last_day == VarietyStatus.GRANTED
        assert after == VarietyStatus.EXPIRED


class TestClean:
    def errors(self, **fields) -> dict:
        base = {
            "denomination": "校验 (demo)",
            "species_zh": "茶",
            "plant_type": PlantType.WOODY_OTHER,
            "register": AGRI,
            "status": VarietyStatus.FILED,
        }
        base.update(fields)
        with pytest.raises(ValidationError) as exc:
            variety_save(variety=PlantVariety(**base))
        assert not PlantVariety.objects.filter(denomination=base["denomination"]).exists()
        return exc.value.message_dict

    def test_grant_not_before_application(self):
        errors = self.errors(
            application_date=datetime.date(2020, 5, 1),
            grant_date=datetime.date(2020, 4, 30),
            grant_number="DEMO-C1",
        )
        assert "before the application date" in " ".join(errors["grant_date"])

    def test_grant_number_needs_grant_date(self):
        errors = self.errors(grant_number="DEMO-C2")
        assert "grant date" in " ".join(errors["grant_date"])

    def test_grant_date_needs_grant_number(self):
        errors = self.errors(grant_date=datetime.date(2020, 1, 1))
        assert "grant_number" in errors

    def test_granted_needs_grant_date(self):
        errors = self.errors(status=VarietyStatus.GRANTED)
        assert "granted variety needs its grant date" in " ".join(errors["grant_date"])

    @pytest.mark.parametrize("plant_type", [PlantType.VINE, PlantType.OTHER])
    def test_yunnan_flower_needs_herbaceous_or_woody(self, plant_type):
        errors = self.errors(register=FLOWER, plant_type=plant_type)
        assert "herbaceous and woody" in " ".join(errors["plant_type"])

    def test_owner_or_owner_name_not_both(self):
        owner = Producer.objects.create(
            name="育种企业 (demo)",
            credit_code=make_credit_code("91530100MA6N00501"),
            kind=ProducerKind.ENTERPRISE,
            is_demo=True,
        )
        errors = self.errors(owner=owner, owner_name="另一个名字 (demo)")
        assert "owner_name" in errors

    def test_valid_yunnan_flower_saves(self):
        v = new_variety(
            "云花演示 (demo)",
            species_zh="月季",
            register=FLOWER,
            plant_type=PlantType.HERBACEOUS,
            grant_date=datetime.date(2020, 2, 29),
            grant_number="DEMO-F1",
            status=VarietyStatus.GRANTED,
        )
        assert v.protection_expires == datetime.date(2025, 2, 28)


class TestSimilarity:
    @pytest.fixture
    def existing(self):
        return {
            "zijuan": new_variety("紫娟", species_latin="Camellia sinensis var. assamica"),
            "yunkang10": new_variety("云抗10号"),
            "hezuo88": new_variety(
                "合作88",
                species_zh="马铃薯",
                species_latin="Solanum tuberosum",
                plant_type=PlantType.HERBACEOUS,
            ),
        }

    def test_homophone_warns(self, existing):
        hits = similar_denominations(denomination="紫鹃", species="茶")
        assert [h[0] for h in hits] == [existing["zijuan"]]
        _, score, reason = hits[0]
        assert score >= 0.95 and "homophone" in reason and "zijuan" in reason

    @pytest.mark.parametrize(
        "typed", ["云抗 10 号", "云抗10", "云抗１０号", "云抗No.10", "云抗十号"]
    )
    def test_normalised_forms_are_identical(self, existing, typed):
        assert denomination_key(typed) == denomination_key("云抗10号") == "云抗10"
        hits = similar_denominations(denomination=typed)
        assert hits[0][0] == existing["yunkang10"]
        assert hits[0][1] == 1.0 and "identical" in hits[0][2]

    @pytest.mark.parametrize("name", ["玫瑰红", "滇红", "Golden Sun", "米易"])
    def test_unrelated_names_no_warning(self, existing, name):
        assert similar_denominations(denomination=name, species="茶") == []

    def test_series_number_is_a_weaker_warning(self, existing):
        hits = similar_denominations(denomination="云抗14号", species="茶")
        assert [h[0] for h in hits] == [existing["yunkang10"]]
        assert hits[0][1] < 0.9 and "number" in hits[0][2]

    def test_same_species_weighs_more(self, existing):
        same = similar_denominations(denomination="合作88号", species="马铃薯")
        other = similar_denominations(denomination="合作88号", species="茶")
        assert same[0][0] == other[0][0] == existing["hezuo88"]
        assert same[0][1] > other[0][1]
        assert "same species" in same[0][2] and "other species" in other[0][2]

    def test_exclude_self(self, existing):
        hits = similar_denominations(denomination="紫娟", exclude_pk=existing["zijuan"].pk)
        assert hits == []

    def test_one_query(self, existing):
        with CaptureQueriesContext(connection) as ctx:
            similar_denominations(denomination="紫鹃", species="茶")
        assert len(ctx.captured_queries) == 1
        assert "%" in ctx.captured_queries[0]["sql"]  # the trigram operators

    def test_admin_form_needs_the_tick(self, existing):
        data = {
            "denomination": "紫鹃",
            "species_zh": "茶",
            "plant_type": PlantType.WOODY_OTHER,
            "register": VarietyRegister.UNRECORDED,
            "status": VarietyStatus.UNRECORDED,
        }
        form = PlantVarietyAdminForm(data=data)
        assert not form.is_valid()
        assert "紫娟" in " ".join(form.errors["similar_names_checked"])
        ticked = PlantVarietyAdminForm(data={**data, "similar_names_checked": "on"})
        assert ticked.is_valid(), ticked.errors
        assert ticked.similar_names[0][0] == existing["zijuan"]

    def test_admin_form_unrelated_name_needs_no_tick(self, existing):
        form = PlantVarietyAdminForm(
            data={
                "denomination": "玫瑰红",
                "species_zh": "月季",
                "plant_type": PlantType.HERBACEOUS,
                "register": VarietyRegister.UNRECORDED,
                "status": VarietyStatus.UNRECORDED,
            }
        )
        assert form.is_valid(), form.errors

    def test_admin_add_warns_after_saving(self, admin_client, existing):
        url = reverse("admin:varieties_plantvariety_add")
        data = {
            "denomination": "紫鹃",
            "species_zh": "茶",
            "plant_type": PlantType.WOODY_OTHER,
            "register": VarietyRegister.UNRECORDED,
            "status": VarietyStatus.UNRECORDED,
            "breeders": "",
        }
        refused = admin_client.post(url, data, **EN)
        assert refused.status_code == 200
        assert "I have checked the similar names" in refused.content.decode()
        assert not PlantVariety.objects.filter(denomination="紫鹃").exists()
        saved = admin_client.post(url, {**data, "similar_names_checked": "on"}, follow=True, **EN)
        assert PlantVariety.objects.filter(denomination="紫鹃").exists()
        assert "similar" in " ".join(str(m) for m in saved.context["messages"])


def test_admin_changelist_and_history(admin_client):
    v = new_variety("后台 (demo)")
    assert admin_client.get(reverse("admin:varieties_plantvariety_changelist")).status_code == 200
    history = reverse("admin:varieties_plantvariety_history", args=[v.pk])
    assert "后台 (demo)" in admin_client.get(history).content.decode()
    assert admin_client.get(reverse("admin:varieties_plantvariety_import")).status_code == 200


class TestListAndExport:
    @pytest.fixture
    def records(self):
        owner = producer_save(
            producer=Producer(
                name="育种合作社 (demo)",
                credit_code=make_credit_code("93530322MA6N00502"),
                kind=ProducerKind.COOPERATIVE,
                is_demo=True,
            ),
            longitude=103.666,
            latitude=25.030,
        )
        tea = granted(
            "演示茶一号 (demo)",
            datetime.date(2019, 4, 1),
            "DEMO-L1",
            application_date=datetime.date(2008, 1, 1),
            owner=owner,
            breeders=["张三 (demo)", "李四 (demo)"],
            growing_regions=[Region.objects.get(code="530322")],  # 陆良县
        )
        flower = new_variety(
            "演示花 (demo)",
            species_zh="月季",
            species_latin="Rosa hybrida",
            register=FLOWER,
            plant_type=PlantType.HERBACEOUS,
            grant_date=datetime.date(2022, 7, 1),
            grant_number="DEMO-L2",
            status=VarietyStatus.GRANTED,
            growing_regions=[Region.objects.get(code="532300")],  # 楚雄州
        )
        return tea, flower, owner

    def names(self, client, **params) -> set[str]:
        resp = client.get(reverse("varieties:plantvariety_list"), params)
        assert resp.status_code == 200
        html = resp.content.decode()
        return {n for n in ("演示茶一号 (demo)", "演示花 (demo)") if n in html}

    def test_filters(self, client, records):
        tea, flower, owner = records
        assert self.names(client, register=FLOWER) == {"演示花 (demo)"}
        assert self.names(client, plant_type=PlantType.WOODY_OTHER) == {"演示茶一号 (demo)"}
        assert self.names(client, species="Rosa") == {"演示花 (demo)"}
        assert self.names(client, status=VarietyStatus.GRANTED) == {
            "演示茶一号 (demo)",
            "演示花 (demo)",
        }
        assert self.names(client, owner_id=str(owner.pk)) == {"演示茶一号 (demo)"}
        assert self.names(client, grant_date_after="2020-01-01") == {"演示花 (demo)"}
        assert self.names(client, grant_date_before="2019-12-31") == {"演示茶一号 (demo)"}
        assert self.names(client, application_date_before="2009-01-01") == {"演示茶一号 (demo)"}
        # 2019-04-01 + 15 years (woody, not a tree); the flower: 2022-07-01 + 5 (herbaceous).
        assert tea.protection_expires == datetime.date(2034, 4, 1)
        assert flower.protection_expires == datetime.date(2027, 7, 1)
        assert self.names(client, protection_expires_after="2030-01-01") == {"演示茶一号 (demo)"}

    def test_region_hierarchy(self, client, records):
        assert self.names(client, region="530300") == {"演示茶一号 (demo)"}  # 曲靖市 ⊃ 陆良县
        assert self.names(client, region="530000") == {"演示茶一号 (demo)", "演示花 (demo)"}
        chuxiong = Region.objects.get(code="532300")
        assert self.names(client, region_id=str(chuxiong.pk)) == {"演示花 (demo)"}

    def test_q_over_pinyin_and_numbers(self, client, records):
        assert self.names(client, q="yanshihua") == {"演示花 (demo)"}
        assert self.names(client, q="DEMO-L1") == {"演示茶一号 (demo)"}
        assert self.names(client, q="Rosa hybrida") == {"演示花 (demo)"}

    def test_csv_export_is_the_filtered_list(self, client, records):
        resp = client.get(
            reverse("varieties:plantvariety_list"), {"register": FLOWER, "export": "csv"}
        )
        rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8"))))
        assert len(rows) == 1
        assert "DEMO-L2" in rows[0].values()
        assert "2027-07-01" in rows[0].values()  # 5 years, herbaceous

    def test_xlsx_export(self, client, records):
        resp = client.get(
            reverse("varieties:plantvariety_list"), {"region": "530300", "export": "xlsx"}
        )
        book = tablib.Dataset().load(resp.content, format="xlsx")
        assert len(book) == 1
        assert "张三 (demo); 李四 (demo)" in book[0]

    def test_detail_page(self, client, records):
        tea = records[0]
        resp = client.get(tea.get_absolute_url(), **EN)
        html = resp.content.decode()
        assert resp.status_code == 200
        assert "Protected until 2034-04-01" in html
        assert "张三 (demo)" in html and records[2].get_absolute_url() in html
        assert Region.objects.get(code="530322").get_absolute_url() in html
        assert "leaflet" in html.lower() and "https://" not in html

    def test_detail_page_of_a_lapsed_right(self, client):
        old = granted("过期品种 (demo)", datetime.date(2001, 5, 10), "DEMO-L3")
        html = client.get(old.get_absolute_url(), **EN).content.decode()
        assert "Protection ended on 2016-05-10" in html
        assert "Expired" in html  # derived, though the stored status is still "granted"
        assert old.status == VarietyStatus.GRANTED

    def test_in_force_filter(self, client, records):
        granted("过期品种 (demo)", datetime.date(2001, 5, 10), "DEMO-L3")
        url = reverse("varieties:plantvariety_list")
        in_force = client.get(url, {"in_force": "true"}).content.decode()
        lapsed = client.get(url, {"in_force": "false"}).content.decode()
        assert "演示茶一号 (demo)" in in_force and "过期品种 (demo)" not in in_force
        assert "过期品种 (demo)" in lapsed and "演示茶一号 (demo)" not in lapsed


class TestFacts:
    def test_load_is_idempotent_and_states_only_verified_facts(self, client):
        call_command("load_variety_facts", verbosity=0)
        call_command("load_variety_facts", verbosity=0)
        facts = {v.denomination: v for v in PlantVariety.objects.filter(is_demo=False)}
        assert set(facts) == {"云抗10号", "云抗14号", "紫娟", "合作88"}
        for v in facts.values():
            assert v.register == VarietyRegister.UNRECORDED
            assert v.status == VarietyStatus.UNRECORDED
            assert v.application_number == v.grant_number == v.owner_name == ""
            assert v.application_date is None and v.grant_date is None
            assert v.protection_expires is None and v.owner_id is None and v.breeders == []
            assert not v.growing_regions.exists() and v.sources
        assert facts["紫娟"].species_latin == "Camellia sinensis var. assamica"
        assert "assamica" not in facts["云抗10号"].species_latin + facts["云抗14号"].species_latin
        assert facts["合作88"].species_latin == "Solanum tuberosum"

        html = client.get(facts["紫娟"].get_absolute_url(), **EN).content.decode()
        assert "Register unverified" in html and "Status unverified" in html
        assert "No grant date recorded" in html

    def test_rerun_keeps_details_a_clerk_verified(self):
        call_command("load_variety_facts", verbosity=0)
        v = PlantVariety.objects.get(denomination="合作88")
        v.description = "checked by clerk"
        variety_save(variety=v)
        call_command("load_variety_facts", verbosity=0)
        v.refresh_from_db()
        assert v.description == "checked by clerk"
        assert PlantVariety.objects.filter(denomination="合作88").count() == 1


class TestImport:
    def test_import_computes_expiry_and_rolls_back_on_error(self):
        headers = ["denomination", "species_zh", "register", "plant_type", "status"]
        headers += ["grant_number", "grant_date", "growing_region_codes", "breeders"]
        good = ["导入品种 (demo)", "茶", AGRI, "fruit_tree", "granted", "DEMO-I1", "2012-02-29"]
        good += ["530322,532300", "王五 (demo),赵六 (demo)"]
        ds = tablib.Dataset(good, headers=headers)
        result = PlantVarietyResource().import_data(ds, dry_run=False)
        assert not result.has_errors() and not result.has_validation_errors()
        v = PlantVariety.objects.get(denomination="导入品种 (demo)")
        assert v.protection_expires == datetime.date(2032, 2, 29)
        assert v.breeders == ["王五 (demo)", "赵六 (demo)"]
        assert {r.code for r in v.growing_regions.all()} == {"530322", "532300"}

        bad = ["坏行 (demo)", "茶", FLOWER, "vine", "filed", "", "", "", ""]
        other = ["好行 (demo)", "茶", AGRI, "vine", "filed", "", "", "", ""]
        result = PlantVarietyResource().import_data(
            tablib.Dataset(other, bad, headers=headers), dry_run=False
        )
        assert result.has_validation_errors()
        assert "plant_type" in result.invalid_rows[0].field_specific_errors
        assert not PlantVariety.objects.filter(denomination__in=["坏行 (demo)", "好行 (demo)"])
