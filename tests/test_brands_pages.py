"""Marks register pages, exports, bulk import, admin and the facts loader."""

import csv
import datetime as dt
import io

import pytest
import tablib
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from brands.choices import FamousMarkKind, MarkType, RightType
from brands.models import CustomsRecordation, FamousMark, GIMark, MarkUse
from brands.resources import FamousMarkResource, GIMarkResource, MarkUseResource
from brands.services import (
    customs_recordation_save,
    famous_mark_save,
    gi_mark_save,
    mark_renew,
    mark_term_create_first,
    mark_use_add,
)
from girrepo.validators import make_credit_code
from producers.choices import ProducerKind
from producers.models import Producer
from producers.services import producer_save
from regions.models import Region

pytestmark = pytest.mark.django_db

LULIANG = (103.666, 25.030)  # inside 陆良县 (曲靖市)
CHUXIONG_CITY = (101.546, 25.033)  # inside 楚雄市 (楚雄州)


def producer(n: int, where=None, kind=ProducerKind.ASSOCIATION) -> Producer:
    p = Producer(
        name=f"页面测试主体{n}号 (demo)",
        credit_code=make_credit_code(f"51530324MAPAGE{n:03d}"),
        kind=kind,
        is_demo=True,
    )
    if where:
        return producer_save(producer=p, longitude=where[0], latitude=where[1])
    return producer_save(producer=p)


def csv_rows(resp) -> list[list[str]]:
    assert resp.status_code == 200
    return list(csv.reader(io.StringIO(resp.content.decode("utf-8"))))


@pytest.fixture
def marks():
    """A renewed collective mark in 罗平县 (曲靖), an expired certification mark in 楚雄州."""
    assoc = producer(1, where=LULIANG)
    honey = gi_mark_save(
        mark=GIMark(
            name="测试罗平蜂蜜 (demo)",
            mark_type=MarkType.COLLECTIVE,
            registration_number="DEMO-001",
            nice_classes=[30],
            goods="蜂蜜",
            registrant=assoc,
            registration_date=dt.date(2012, 6, 1),
            is_demo=True,
        ),
        origin_regions=Region.objects.filter(code="530324"),
    )
    mark_term_create_first(mark=honey)
    mark_renew(mark=honey)
    mark_use_add(mark=honey, producer=producer(2, kind=ProducerKind.COOPERATIVE))
    mushroom = gi_mark_save(
        mark=GIMark(
            name="测试楚雄菌子 (demo)",
            mark_type=MarkType.CERTIFICATION,
            nice_classes=[29, 31],
            registrant=producer(3, where=CHUXIONG_CITY),
            registration_date=dt.date(2000, 1, 1),
            is_demo=True,
        ),
        origin_regions=Region.objects.filter(code="532301"),
    )
    mark_term_create_first(mark=mushroom)  # ended 2009-12-31, never renewed
    return honey, mushroom


class TestGIMarkList:
    url = reverse("brands:gimark_list")

    def names(self, client, **params) -> str:
        resp = client.get(self.url, params)
        assert resp.status_code == 200
        return resp.content.decode()

    def test_region_filter_includes_sub_regions(self, client, marks):
        honey, mushroom = marks
        for code in ("530000", "530300"):  # province, 曲靖市
            html = self.names(client, region=code)
            assert honey.name in html
            assert (mushroom.name in html) == (code == "530000")
        html = self.names(client, region_id=Region.objects.get(code="532300").pk)
        assert mushroom.name in html and honey.name not in html

    def test_status_filter_reads_the_derived_status(self, client, marks):
        honey, mushroom = marks
        html = self.names(client, status="expired")
        assert mushroom.name in html and honey.name not in html
        html = self.names(client, status="renewed")
        assert honey.name in html and mushroom.name not in html
        assert mushroom.name not in self.names(client, status="registered")

    def test_nice_class_filter(self, client, marks):
        html = self.names(client, nice_class=31)
        assert marks[1].name in html and marks[0].name not in html
        # 46 is no class: the filter form says so (the project's non-strict lists).
        resp = client.get(self.url, {"nice_class": 46}, HTTP_ACCEPT_LANGUAGE="en")
        assert "Select a valid choice" in resp.content.decode()
        # The empty choice is offered and selected, so a plain "Filter" click filters nothing.
        html = self.names(client)
        select = html[html.index('name="nice_class"') :]
        assert '<option value="" selected>' in select[: select.index("</select>")]

    def test_type_holder_date_and_search(self, client, marks):
        honey, mushroom = marks
        assert mushroom.name not in self.names(client, mark_type="collective")
        html = self.names(client, holder_id=honey.registrant_id)
        assert honey.name in html and mushroom.name not in html
        html = self.names(client, registration_date_after="2010-01-01")
        assert honey.name in html and mushroom.name not in html
        html = self.names(client, q="cèshì luópíng")  # pinyin, tones and a space
        assert honey.name in html and mushroom.name not in html
        html = self.names(client, q="ceshiluopingfengmi")
        assert honey.name in html and mushroom.name not in html
        html = self.names(client, q="DEMO-001")
        assert honey.name in html and mushroom.name not in html

    def test_csv_export_is_the_filtered_rows(self, client, marks):
        rows = csv_rows(client.get(self.url, {"region": "530300", "export": "csv"}))
        assert len(rows) == 2
        header, row = rows
        data = dict(zip(header, row, strict=True))
        assert row[0] == marks[0].name
        assert "DEMO-001" in row and "30" in row
        assert "2032-05-31" in data.values()  # current expiry after the renewal

    def test_xlsx_export_is_the_filtered_rows(self, client, marks):
        resp = client.get(self.url, {"status": "expired", "export": "xlsx"})
        book = tablib.Dataset().load(resp.content, format="xlsx")
        assert [r[0] for r in book] == [marks[1].name]


class TestGIMarkDetail:
    def test_links_registrant_regions_terms_and_users(self, client, marks):
        honey = marks[0]
        html = client.get(honey.get_absolute_url()).content.decode()
        assert honey.registrant.get_absolute_url() in html
        assert Region.objects.get(code="530324").get_absolute_url() in html
        assert "2012-06-01" in html and "2022-05-31" in html and "2032-05-31" in html
        member = MarkUse.objects.get(mark=honey).producer
        assert member.get_absolute_url() in html

    def test_unknown_facts_are_shown_as_not_recorded(self, client, marks):
        mushroom = marks[1]
        html = client.get(mushroom.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert html.count("not recorded") >= 2  # registration number, goods
        assert "unverified" in html  # registration date not checked

    def test_related_product_linked(self, client, marks):
        from products.choices import Register
        from products.models import Category, GIProduct

        category = Category.objects.create(name="测试类别 (demo)", slug="demo-brands-test")
        product = GIProduct.objects.create(
            name="测试罗平蜂蜜 (demo)",
            category=category,
            register=Register.GI_PRODUCT,
            is_demo=True,
        )
        marks[0].related_products.add(product)
        html = client.get(marks[0].get_absolute_url()).content.decode()
        assert product.get_absolute_url() in html
        assert list(product.marks.all()) == [marks[0]]

    def test_producer_page_include_lists_the_marks(self, marks):
        from django.template.loader import render_to_string

        honey = marks[0]
        member = MarkUse.objects.get(mark=honey).producer
        for who in (honey.registrant, member):
            html = render_to_string("brands/includes/producer_marks.html", {"producer": who})
            assert honey.get_absolute_url() in html
        assert (
            render_to_string(
                "brands/includes/producer_marks.html", {"producer": producer(30)}
            ).strip()
            == ""
        )

    def test_missing_mark_is_404(self, client):
        assert client.get(reverse("brands:gimark_detail", kwargs={"pk": 999999})).status_code == 404


class TestFamousAndCustomsPages:
    @pytest.fixture
    def records(self, marks):
        holder = producer(10, where=LULIANG)
        wk = famous_mark_save(
            famous_mark=FamousMark(
                kind=FamousMarkKind.WELL_KNOWN,
                name="测试驰名 (demo)",
                holder=holder,
                nice_class=30,
                recognition_date=dt.date(2011, 5, 27),
            )
        )
        yf = famous_mark_save(
            famous_mark=FamousMark(
                kind=FamousMarkKind.YUNNAN_FAMOUS,
                name="测试著名 (demo)",
                holder=producer(11, where=CHUXIONG_CITY),
                nice_class=29,
                recognition_date=dt.date(2013, 1, 10),
                valid_until=dt.date(2016, 1, 9),
            )
        )
        rec = customs_recordation_save(
            recordation=CustomsRecordation(
                right_type=RightType.GI_MARK,
                recorded_right="测试罗平蜂蜜 (demo) 集体商标",
                gi_mark=marks[0],
                holder=holder,
                recordation_date=dt.date(2014, 7, 1),
            )
        )
        return wk, yf, rec

    def test_famous_filters_and_export(self, client, records):
        wk, yf, _ = records
        url = reverse("brands:famousmark_list")
        rows = csv_rows(client.get(url, {"region": "530300", "export": "csv"}))
        assert [r[0] for r in rows[1:]] == [wk.name]
        rows = csv_rows(client.get(url, {"kind": "yunnan_famous", "export": "csv"}))
        assert [r[0] for r in rows[1:]] == [yf.name]
        rows = csv_rows(client.get(url, {"is_current": "false", "export": "csv"}))
        assert [r[0] for r in rows[1:]] == [yf.name]  # the provincial term has run out
        rows = csv_rows(client.get(url, {"recognition_date_before": "2012-01-01", "export": "csv"}))
        assert [r[0] for r in rows[1:]] == [wk.name]

    def test_famous_detail(self, client, records):
        wk = records[0]
        html = client.get(wk.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert wk.holder.get_absolute_url() in html
        assert "No period of validity" in html

    def test_customs_list_detail_and_export(self, client, records):
        rec = records[2]
        assert rec.valid_until == dt.date(2024, 6, 30)
        url = reverse("brands:customsrecordation_list")
        rows = csv_rows(client.get(url, {"status": "expired", "export": "csv"}))
        assert [r[0] for r in rows[1:]] == [rec.recorded_right]
        rows = csv_rows(client.get(url, {"region": "532300", "export": "csv"}))
        assert rows[1:] == []
        html = client.get(rec.get_absolute_url()).content.decode()
        assert rec.gi_mark.get_absolute_url() in html
        assert rec.holder.get_absolute_url() in html
        assert rec.get_absolute_url() in client.get(rec.gi_mark.get_absolute_url()).content.decode()


class TestLoadBrandFacts:
    def test_exactly_the_verified_facts_and_idempotent(self):
        call_command("load_brand_facts", verbosity=0)
        call_command("load_brand_facts", verbosity=0)
        (mark,) = GIMark.objects.filter(is_demo=False)
        assert (mark.name, mark.mark_type) == ("文山三七", "certification")
        assert mark.registration_date == dt.date(2005, 3, 21) and mark.date_verified
        assert mark.registration_number == ""
        assert mark.registrant is None and mark.nice_classes == [] and mark.goods == ""
        assert not mark.origin_regions.exists() and not mark.terms.exists()
        assert mark.status == "registered"
        (famous,) = FamousMark.objects.filter(is_demo=False)
        assert (famous.name, famous.kind) == ("文山三七", "well_known")
        assert famous.recognition_date == dt.date(2011, 5, 27)
        assert famous.valid_until is None and famous.holder is None
        assert famous.decision_reference == "" and famous.recognising_body == ""
        assert not CustomsRecordation.objects.exists()
        assert "SOURCES.md" in mark.sources and "SOURCES.md" in famous.sources

    def test_links_the_product_of_the_same_name_when_loaded(self):
        from products.choices import Register
        from products.models import Category, GIProduct

        call_command("load_brand_facts", verbosity=0)  # no products yet: skipped quietly
        mark = GIMark.objects.get(name="文山三七")
        assert not mark.related_products.exists()
        category = Category.objects.create(name="测试药材 (demo)", slug="demo-brands-medicinal")
        product = GIProduct.objects.create(
            name="文山三七", category=category, register=Register.GI_PRODUCT
        )
        call_command("load_brand_facts", verbosity=0)
        call_command("load_brand_facts", verbosity=0)
        assert list(mark.related_products.all()) == [product]
        assert GIMark.objects.filter(name="文山三七").count() == 1

    def test_demo_command_is_flagged_and_idempotent(self):
        call_command("seed_brand_demo", verbosity=0)
        call_command("seed_brand_demo", verbosity=0)
        demo_marks = GIMark.objects.filter(is_demo=True)
        assert demo_marks.count() == 2
        assert all("(demo)" in m.name and m.registration_number == "" for m in demo_marks)
        assert FamousMark.objects.filter(is_demo=False).count() == 0
        assert CustomsRecordation.objects.get().is_demo


class TestImport:
    def test_gi_marks_dry_run_then_commit(self):
        assoc = producer(20)
        ds = tablib.Dataset(
            headers=["name", "mark_type", "registration_number", "nice_classes",
                     "registrant_credit_code", "origin_region_codes", "registration_date"]
        )  # fmt: skip
        ds.append(["导入蜂蜜 (demo)", "collective", "", "30、29", assoc.credit_code,
                   "530324,530323", "2012-06-01"])  # fmt: skip
        result = GIMarkResource().import_data(ds, dry_run=True)
        assert not result.has_errors() and not result.has_validation_errors()
        assert not GIMark.objects.filter(name="导入蜂蜜 (demo)").exists()
        GIMarkResource().import_data(ds, dry_run=False)
        GIMarkResource().import_data(ds, dry_run=False)  # matched on name + type: no duplicate
        (mark,) = GIMark.objects.filter(name="导入蜂蜜 (demo)")
        assert mark.nice_classes == [30, 29] and mark.registrant == assoc
        assert set(mark.origin_regions.values_list("code", flat=True)) == {"530324", "530323"}

    def test_gi_mark_row_errors_are_field_keyed_and_nothing_saved(self):
        ds = tablib.Dataset(
            headers=["name", "mark_type", "registration_number", "nice_classes",
                     "registrant_credit_code", "origin_region_codes"]
        )  # fmt: skip
        ds.append(["好行 (demo)", "collective", "IMP-1", "30", "", ""])
        ds.append(["坏类 (demo)", "collective", "IMP-2", "46", "", ""])
        ds.append(["坏人 (demo)", "collective", "IMP-3", "x", "91530000000000000X", "999999"])
        result = GIMarkResource().import_data(ds, dry_run=False)
        assert result.has_validation_errors()
        by_row = {r.number: r.field_specific_errors for r in result.invalid_rows}
        assert "Nice class 46 does not exist" in by_row[2]["nice_classes"][0]
        assert set(by_row[3]) == {"nice_classes", "registrant", "origin_regions"}
        assert not GIMark.objects.filter(registration_number__startswith="IMP-").exists()

    def test_mark_users_kind_derived_and_checked(self):
        coll = gi_mark_save(
            mark=GIMark(name="导入集体 (demo)", mark_type="collective", registration_number="IMP-9")
        )
        member = producer(21, kind=ProducerKind.COOPERATIVE)
        ds = tablib.Dataset(
            headers=["mark_registration_number", "mark_id", "producer_credit_code", "kind", "start"]
        )
        ds.append(["IMP-9", "", member.credit_code, "", "2020-01-01"])
        MarkUseResource().import_data(ds, dry_run=False)
        MarkUseResource().import_data(ds, dry_run=False)
        assert list(coll.uses.values_list("kind", flat=True)) == ["member"]

        bad = tablib.Dataset(headers=ds.headers)
        bad.append(["", str(coll.pk), producer(22).credit_code, "licensee", ""])
        bad.append(["NO-SUCH", "", member.credit_code, "", ""])
        result = MarkUseResource().import_data(bad, dry_run=False)
        by_row = {r.number: r.field_specific_errors for r in result.invalid_rows}
        assert "not by licensees" in by_row[1]["kind"][0]
        assert "NO-SUCH" in by_row[2]["mark"][0]
        assert coll.uses.count() == 1

    def test_famous_marks_import_checks_validity_rules(self):
        ds = tablib.Dataset(headers=["kind", "name", "recognition_date", "valid_until"])
        ds.append(["well_known", "导入驰名 (demo)", "2011-05-27", "2020-01-01"])
        ds.append(["yunnan_famous", "导入著名 (demo)", "2012-01-01", ""])
        result = FamousMarkResource().import_data(ds, dry_run=False)
        by_row = {r.number: r.field_specific_errors for r in result.invalid_rows}
        assert "no period of validity" in by_row[1]["valid_until"][0]
        assert "fixed term" in by_row[2]["valid_until"][0]
        assert not FamousMark.objects.filter(name__startswith="导入").exists()


class TestAdmin:
    @pytest.fixture
    def staff(self, client):
        user = get_user_model().objects.create_superuser("brands-admin", password="x" * 12)
        client.force_login(user)
        return client

    def test_every_model_has_admin_and_history(self, staff, marks):
        honey = marks[0]
        for name in (
            "gimark",
            "markterm",
            "markuse",
            "markimage",
            "famousmark",
            "customsrecordation",
        ):
            assert staff.get(reverse(f"admin:brands_{name}_changelist")).status_code == 200
        assert staff.get(reverse("admin:brands_gimark_change", args=[honey.pk])).status_code == 200
        assert staff.get(reverse("admin:brands_gimark_history", args=[honey.pk])).status_code == 200
        assert staff.get(reverse("admin:brands_gimark_import")).status_code == 200
        for name in ("gimark", "markuse", "markimage", "famousmark", "customsrecordation"):
            assert staff.get(reverse(f"admin:brands_{name}_add")).status_code == 200

    def test_add_mark_with_inlines_derives_kind_and_term_end(self, staff):
        member = producer(40, kind=ProducerKind.COOPERATIVE)
        data = {
            "name": "后台蜂蜜 (demo)",
            "mark_type": "collective",
            "registration_number": "",
            "status": "registered",
            "is_demo": "on",
            "nice_classes": "30",
            "registration_date": "2012-06-01",
            "origin_regions": str(Region.objects.get(code="530324").pk),
            "uses-0-producer": member.pk,
            "uses-0-kind": "",
            "terms-0-start": "2012-06-01",
            "terms-0-end": "",
        }
        for prefix, total in (("terms", 1), ("uses", 1), ("images", 0)):
            data |= {
                f"{prefix}-TOTAL_FORMS": total,
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        resp = staff.post(reverse("admin:brands_gimark_add"), data)
        assert resp.status_code == 302, resp.context["errors"] if resp.context else resp
        mark = GIMark.objects.get(name="后台蜂蜜 (demo)")
        assert mark.nice_classes == [30]
        assert list(mark.uses.values_list("kind", flat=True)) == ["member"]
        assert list(mark.terms.values_list("end", flat=True)) == [dt.date(2022, 5, 31)]

    def test_term_end_computed_when_left_empty(self, staff, marks):
        mushroom = marks[1]
        resp = staff.post(
            reverse("admin:brands_markterm_add"),
            {"mark": mushroom.pk, "start": "2010-01-01", "end": "", "reference": ""},
        )
        assert resp.status_code == 302
        assert mushroom.terms.order_by("-end").first().end == dt.date(2019, 12, 31)

    def test_customs_valid_until_suggested_when_left_empty(self, staff):
        resp = staff.post(
            reverse("admin:brands_customsrecordation_add"),
            {
                "right_type": "patent",
                "recorded_right": "后台专利 (demo)",
                "recordation_date": "2016-02-29",
                "valid_until": "",
                "status": "valid",
            },
        )
        assert resp.status_code == 302
        rec = CustomsRecordation.objects.get(recorded_right="后台专利 (demo)")
        assert rec.valid_until == dt.date(2026, 2, 28)

    def test_renew_action(self, staff, marks):
        mushroom = marks[1]
        staff.post(
            reverse("admin:brands_gimark_changelist"),
            {"action": "renew", "_selected_action": [mushroom.pk]},
        )
        mushroom.refresh_from_db()
        assert mushroom.status == "renewed"
        assert mushroom.terms.count() == 2
