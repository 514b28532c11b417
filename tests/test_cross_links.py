"""Detail pages link the registers together: product ↔ marks, 一乡一品, varieties;
producer → its marks, varieties, 一乡一品 and the protected areas at its location;
region → everything registered in it or covering it (a fragment the page loads)."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from brands.choices import MarkType
from brands.models import GIMark
from brands.services import gi_mark_save, mark_use_add
from girrepo.validators import make_credit_code
from producers.choices import ProducerKind
from producers.models import Producer
from producers.services import producer_save
from products.models import GIProduct
from regions.models import Region
from township_products.models import TownshipProduct
from township_products.services import township_product_save
from varieties.choices import PlantType, VarietyRegister, VarietyStatus
from varieties.models import PlantVariety
from varieties.services import variety_save

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", **EN}
XUANWEI_CITY = (104.104, 26.219)  # inside 宣威市 (530381)
LULIANG = (103.666, 25.030)  # inside 陆良县 (530322)
CHUXIONG_CITY = (101.546, 25.033)  # inside 楚雄市 (532301)
MAJIE_LULIANG = "530322104"  # 陆良县 马街镇
LUCHENG_CHUXIONG = "532301101"  # 楚雄市 鹿城镇


@pytest.fixture(scope="module")
def facts(django_db_setup, django_db_blocker):
    """The real GI product facts, loaded once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_gi_facts", verbosity=0)
        yield {p.name: p for p in GIProduct.objects.all()}
        transaction.set_rollback(True)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def new_producer(n: int, where, *, kind=ProducerKind.COOPERATIVE) -> Producer:
    producer = Producer(
        name=f"互链测试主体{n}号 (demo)",
        credit_code=make_credit_code(f"93530000MAXLNK{n:03d}"),
        kind=kind,
        is_demo=True,
    )
    if where is None:
        return producer_save(producer=producer)
    return producer_save(producer=producer, longitude=where[0], latitude=where[1])


def new_mark(name: str, *, mark_type=MarkType.COLLECTIVE, origin=(), products=(), **extra):
    return gi_mark_save(
        mark=GIMark(name=name, mark_type=mark_type, nice_classes=[29], is_demo=True, **extra),
        origin_regions=Region.objects.filter(code__in=origin),
        related_products=products,
    )


def new_variety(denomination: str, *, owner=None, grown_in=()) -> PlantVariety:
    return variety_save(
        variety=PlantVariety(
            denomination=denomination,
            species_zh="猪",
            plant_type=PlantType.HERBACEOUS,
            register=VarietyRegister.UNRECORDED,
            status=VarietyStatus.UNRECORDED,
            owner=owner,
            is_demo=True,
        ),
        growing_regions=Region.objects.filter(code__in=grown_in),
    )


def new_township_product(code: str, name: str, **extra) -> TownshipProduct:
    leads = extra.pop("leads", None)
    return township_product_save(
        township_product=TownshipProduct(
            township=region(code), product_name=name, is_demo=True, **extra
        ),
        lead_cooperatives=leads,
    )


def get_html(client, url: str, **headers) -> str:
    response = client.get(url, **{**EN, **headers})
    assert response.status_code == 200, url
    return response.content.decode()


def section(html: str, marker: str) -> str:
    """The HTML from ``marker`` to the end of its <section> (sections are not nested)."""
    start = html.index(marker)
    return html[start : html.index("</section>", start)]


def fragment_url(code: str) -> str:
    return reverse("search:region_registrations", kwargs={"code": code})


@pytest.fixture
def pig_links(facts):
    """陆良滇陆猪 (agri GI, approximate area) with a mark, a 一乡一品 record and a variety,
    all carried by one cooperative in 陆良县."""
    pig = facts["陆良滇陆猪"]
    coop = new_producer(1, LULIANG)
    association = new_producer(2, LULIANG, kind=ProducerKind.ASSOCIATION)
    mark = new_mark(
        "测试陆良滇陆猪 (demo)", origin=["530322"], products=[pig], registrant=association
    )
    mark_use_add(mark=mark, producer=coop, start=dt.date(2020, 1, 1))
    variety = new_variety("测试滇陆猪系 (demo)", owner=coop, grown_in=["530322"])
    record = new_township_product(
        MAJIE_LULIANG, "测试滇陆猪 (demo)", gi_product=pig, variety=variety, leads=[coop]
    )
    return {
        "pig": pig,
        "coop": coop,
        "association": association,
        "mark": mark,
        "variety": variety,
        "record": record,
    }


# -- product page -------------------------------------------------------------


class TestProductPage:
    def test_lists_marks_township_records_and_varieties(self, client, pig_links):
        html = get_html(client, pig_links["pig"].get_absolute_url())
        related = html[html.index('id="related"') :]
        marks = section(related, 'data-related="marks"')
        assert f'href="{pig_links["mark"].get_absolute_url()}"' in marks
        assert "测试陆良滇陆猪 (demo)" in marks and "Collective mark" in marks
        records = section(related, 'data-related="township-products"')
        assert f'href="{pig_links["record"].get_absolute_url()}"' in records
        assert f'href="{region(MAJIE_LULIANG).get_absolute_url()}"' in records
        assert "马街镇" in records and "陆良县" in records
        varieties = section(related, 'data-related="varieties"')
        assert f'href="{pig_links["variety"].get_absolute_url()}"' in varieties

    def test_nothing_linked_shows_no_related_section(self, client, facts):
        html = get_html(client, facts["宣威火腿"].get_absolute_url())
        assert 'id="related"' not in html

    def test_query_count_with_links(self, client, pig_links, django_assert_max_num_queries):
        second = new_mark("测试滇陆猪二 (demo)", mark_type=MarkType.CERTIFICATION)
        second.related_products.add(pig_links["pig"])
        new_township_product(LUCHENG_CHUXIONG, "测试滇陆猪 (demo)", gi_product=pig_links["pig"])
        with django_assert_max_num_queries(8):
            html = get_html(client, pig_links["pig"].get_absolute_url())
        assert html.count('data-related="marks"') == 1 and "测试滇陆猪二 (demo)" in html
        assert "鹿城镇" in html


# -- producer page ------------------------------------------------------------


class TestProducerPage:
    def test_lists_marks_varieties_and_township_records(self, client, pig_links):
        html = get_html(client, pig_links["coop"].get_absolute_url())
        assert "Licensee" not in html  # a collective mark has members, not licensees
        marks = section(html, 'id="producer-marks-heading"')
        assert f'href="{pig_links["mark"].get_absolute_url()}"' in marks
        varieties = section(html, 'data-related="varieties"')
        assert f'href="{pig_links["variety"].get_absolute_url()}"' in varieties
        records = section(html, 'data-related="township-products"')
        assert f'href="{pig_links["record"].get_absolute_url()}"' in records
        assert f'href="{pig_links["pig"].get_absolute_url()}"' in records
        # The registrant's page shows the mark as registered, not as used.
        html = get_html(client, pig_links["association"].get_absolute_url())
        assert "Registrant of" in section(html, 'id="producer-marks-heading"')

    def test_inside_an_exact_area(self, client, facts):
        ham_maker = new_producer(3, XUANWEI_CITY, kind=ProducerKind.ENTERPRISE)
        areas = section(get_html(client, ham_maker.get_absolute_url()), 'id="protected-areas"')
        ham = facts["宣威火腿"]
        assert f'href="{ham.get_absolute_url()}">宣威火腿</a>' in areas
        assert 'data-coverage="inside"' in areas and "inside the protected area" in areas
        assert 'data-coverage="manual"' not in areas
        assert "陆良滇陆猪" not in areas

    def test_inside_an_approximate_area_needs_manual_verification(self, client, facts):
        pig_farm = new_producer(4, LULIANG)
        areas = section(get_html(client, pig_farm.get_absolute_url()), 'id="protected-areas"')
        listed = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>(.*?)</li>', areas, flags=re.S)
        assert [(url, name) for url, name, _ in listed] == [
            (facts["陆良滇陆猪"].get_absolute_url(), "陆良滇陆猪")
        ]
        assert 'data-coverage="manual"' in listed[0][2]
        assert "manual verification" in listed[0][2]
        assert "inside the protected area" not in areas

    def test_unmapped_areas_are_not_claimed(self, client, facts):
        # 保山小粒咖啡's area is not mapped: a producer in 隆阳区 is not said to be in it.
        coffee_farm = new_producer(5, (99.165, 25.120))
        assert coffee_farm.county.code == "530502"
        areas = section(get_html(client, coffee_farm.get_absolute_url()), 'id="protected-areas"')
        assert (
            "保山小粒咖啡" not in areas and "Areas that are not mapped cannot be checked" in areas
        )
        # 普洱茶 names 保山市 only as a unit containing its finer area.
        assert "普洱茶" in areas and 'data-coverage="manual"' in areas

    def test_no_location(self, client, facts):
        nowhere = new_producer(6, None)
        areas = section(get_html(client, nowhere.get_absolute_url()), 'id="protected-areas"')
        assert "No location recorded" in areas and "<li>" not in areas

    def test_query_count_is_bounded(self, client, pig_links, django_assert_max_num_queries):
        for n in range(3):
            extra = new_mark(f"测试附加商标{n} (demo)", origin=["530322"])
            mark_use_add(mark=extra, producer=pig_links["coop"])
            new_variety(f"测试附加品种{n} (demo)", owner=pig_links["coop"])
        get_html(client, pig_links["coop"].get_absolute_url())  # the map's legend is cached
        with django_assert_max_num_queries(11):  # 10, and the map's box
            html = get_html(client, pig_links["coop"].get_absolute_url())
        assert html.count("测试附加商标") == 3 and html.count("测试附加品种") == 3


# -- region pages ---------------------------------------------------------------


def fragment(client, code: str) -> str:
    html = get_html(client, fragment_url(code), **XHR)
    assert "<html" not in html  # a fragment, not a page
    return html


def names_in(html: str, data_list: str) -> list[str]:
    return re.findall(r'<li[^>]*><a href="[^"]+">([^<]+)</a>', section(html, data_list))


class TestRegionFragment:
    def test_region_page_loads_the_fragment(self, client):
        html = get_html(client, "/regions/532300/")
        url = fragment_url("532300")
        assert f'data-src="{url}"' in html
        assert f'<noscript><p><a href="{url}">' in html
        assert "girrepo/js/fragments.js" in html

    def test_prefecture_lists_its_products(self, client, facts):
        html = fragment(client, "532300")
        products = names_in(html, 'data-list="products"')
        assert {"南华松茸", "楚雄牛肝菌", "普洱茶"} <= set(products)
        assert "宣威火腿" not in products
        assert f'href="{facts["南华松茸"].get_absolute_url()}"' in html

    def test_county_lists_the_prefecture_areas_as_covering(self, client, facts):
        html = fragment(client, "532301")
        assert 'data-list="products"' not in html  # nothing named at county level
        covering = section(html, 'data-list="covering-products"')
        for name in ("南华松茸", "楚雄牛肝菌"):
            item = re.search(rf'<li data-coverage="(\w+)"><a href="[^"]+">{name}</a>', covering)
            assert item and item.group(1) == "whole"
        assert 'href="/regions/532300/"' in covering
        # 普洱茶 only names 楚雄州 as containing its finer (township) area.
        tea = re.search(
            r'<li data-coverage="(\w+)"><a href="[^"]+">普洱茶</a>(.*?)</li>', covering, re.S
        )
        assert tea.group(1) == "within_unit" and "manual verification" in tea.group(2)

    def test_township_is_covered_through_its_county_and_prefecture(self, client, facts):
        html = fragment(client, LUCHENG_CHUXIONG)
        assert "Townships have no boundary" in html
        covering = names_in(html, 'data-list="covering-products"')
        assert {"南华松茸", "楚雄牛肝菌"} <= set(covering)

    def test_province_lists_products_below_it(self, client, facts):
        html = fragment(client, "530000")
        products = names_in(html, 'data-list="products"')
        for name in ("宣威火腿", "南华松茸", "楚雄牛肝菌", "陆良滇陆猪", "华宁陶"):
            assert name in products
        # Unmapped products name no region, so no region page can list them.
        assert "保山小粒咖啡" not in products
        assert 'data-list="covering-products"' not in html

    def test_marks_producers_varieties_and_township_records(self, client, pig_links):
        county = fragment(client, "530322")
        assert "测试陆良滇陆猪 (demo)" in names_in(county, 'data-list="marks"')
        producers = section(county, 'data-list="producers"')
        assert pig_links["coop"].name in producers
        assert 'href="/producers/?region=530322"' in producers
        assert "测试滇陆猪系 (demo)" in names_in(county, 'data-list="varieties"')
        records = section(county, 'data-list="township-products"')
        assert f'href="{pig_links["record"].get_absolute_url()}"' in records
        assert "陆良滇陆猪" in names_in(county, 'data-list="products"')
        # The township's page: its record; the mark's origin (the county) covers it.
        township = fragment(client, MAJIE_LULIANG)
        assert pig_links["record"].get_absolute_url() in township
        marks = section(township, 'data-list="marks"')
        assert '<li data-coverage="whole">' in marks and "测试陆良滇陆猪 (demo)" in marks
        # Another prefecture sees none of it.
        assert "测试陆良" not in fragment(client, "532300")

    def test_producers_are_counted_and_cut_at_twenty(self, client, facts):
        for n in range(21):
            new_producer(100 + n, CHUXIONG_CITY)
        producers = section(fragment(client, "532300"), 'data-list="producers"')
        assert (
            '<span class="badge text-bg-light border" data-count="producers">21</span>' in producers
        )
        assert producers.count("<li>") == 20
        assert 'href="/producers/?region=532300"' in producers

    def test_exact_area_at_the_label_point(self, client, facts):
        # An agency boundary may not nest in the hierarchy; simulate a county whose
        # label point falls in 宣威火腿's exactly mapped area without being named by it.
        Region.objects.filter(code="530322").update(label_point=region("530381").label_point)
        covering = section(fragment(client, "530322"), 'data-list="covering-products"')
        assert '<li data-coverage="label_point"><a href="' in covering and "宣威火腿" in covering
        assert "at least part of the region" in covering

    def test_unknown_code_is_404(self, client):
        assert client.get(fragment_url("999999"), **XHR).status_code == 404
        assert client.get(fragment_url("999999")).status_code == 404

    def test_without_javascript_the_url_is_a_page(self, client, facts):
        html = get_html(client, fragment_url("532301"))
        assert "<html" in html and 'href="/regions/532301/"' in html
        assert "南华松茸" in html

    @pytest.mark.parametrize("code", ["530000", "530300", "530322", MAJIE_LULIANG])
    def test_query_count_is_bounded(self, client, pig_links, code, django_assert_max_num_queries):
        """One query per list whatever its length (no query per record or per region)."""
        for n, township in enumerate(["530322001", "530322002", "530322102"]):
            new_mark(f"测试附加商标{n} (demo)", origin=["530322", township])
            new_variety(f"测试附加品种{n} (demo)", grown_in=["530322", township])
            new_township_product(township, f"测试附加产品{n} (demo)", gi_product=pig_links["pig"])
            new_producer(200 + n, LULIANG)
        with django_assert_max_num_queries(9):
            html = fragment(client, code)
        assert "测试陆良滇陆猪 (demo)" in html and "陆良滇陆猪" in html
