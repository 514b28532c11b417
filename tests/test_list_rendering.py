"""The register lists' fast paths write what django-tables2 and Django would have
written: body rows (girrepo.tables), filter-form selects (girrepo.widgets), cached
region choices, and region-filtered pages read county by county (girrepo.keyset)."""

import html
import re

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

import girrepo.generic
import girrepo.tables
from girrepo.filtersets import region_choices
from girrepo.tables import detail_url
from girrepo.text import pinyin_key
from girrepo.validators import make_credit_code
from girrepo.widgets import make_fast, render_select
from producers.choices import ProducerKind
from producers.models import Producer
from regions.models import Region
from tests.api_factories import registers

pytestmark = pytest.mark.django_db

LISTS = [
    "/producers/",
    "/producers/?sort=-kind",
    "/producers/?sort=county",
    "/products/",
    "/products/?sort=-announcement",
    "/marks/",
    "/marks/?sort=registrant",
    "/marks/famous/",
    "/marks/customs/",
    "/varieties/",
    "/varieties/?sort=-grant_date",
    "/one-township-one-product/",
    "/producers/?credit_code=none",  # the empty-list row
]


def normalised(body: bytes) -> str:
    text = re.sub(r"\s+", " ", body.decode())
    text = re.sub(r"> <", "><", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_are_written_as_django_tables2_writes_them(client, monkeypatch, language):
    registers()
    calls = []
    fast = girrepo.tables.render_body

    def spy(table, records):
        calls.append(table)
        return fast(table, records)

    monkeypatch.setattr(girrepo.tables, "render_body", spy)
    for url in LISTS:
        ours = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert ours.status_code == 200
        with monkeypatch.context() as m:  # without table.body: django-tables2's own loop
            m.setattr(girrepo.generic, "Body", lambda table, records: "")
            theirs = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert normalised(ours.content) == normalised(theirs.content), url
    assert len(calls) == len(LISTS)  # every list went through the fast path
    body = client.get("/marks/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert re.search(r'<td ><a href="/marks/\d+/">文山三七</a></td>', body)


def test_detail_url_reverses_once_per_model(monkeypatch):
    producers = [Producer(pk=pk, name="x", kind=ProducerKind.ENTERPRISE) for pk in (7, 12345, 99)]
    regions = list(Region.objects.filter(level="township").order_by("code")[:3])
    expected = [o.get_absolute_url() for o in [*producers, *regions]]
    girrepo.tables._patterns.clear()
    import producers.models as producer_models
    import regions.models as region_models

    counted = []
    for module in (producer_models, region_models):
        real = module.reverse
        monkeypatch.setattr(
            module, "reverse", lambda *a, _real=real, **k: counted.append(a) or _real(*a, **k)
        )
    assert [detail_url(o) for o in [*producers, *regions]] == expected
    assert len(counted) == 2  # the first producer and the first region only
    assert expected[1] == "/producers/12345/"


def test_detail_url_falls_back_for_keys_that_are_not_numbers():
    girrepo.tables._patterns.clear()
    first, second = Region.objects.filter(level="county").order_by("code")[:2]
    assert detail_url(first) == first.get_absolute_url()
    second.code = "53x"  # not a whole number: reversed as before
    assert detail_url(second) == second.get_absolute_url()


def test_fast_select_writes_djangos_markup():
    choices = [
        ("", "---------"),
        ("a<b", 'Tom & "Jerry"'),
        ("group <1>", [("1", "one"), ("2", "two")]),
        (3, 3),
    ]
    for multiple in (False, True):
        cls = forms.SelectMultiple if multiple else forms.Select
        widget = cls(choices=choices, attrs={"class": "x", "disabled": False, "required": True})
        value = ["1", "a<b"] if multiple else "2"
        theirs = widget.render("f<", value, attrs={"id": "id_f"})
        make_fast(widget)
        assert type(widget).__name__.startswith("Fast")
        ours = widget.render("f<", value, attrs={"id": "id_f"})
        assert ours == theirs
        assert render_select(widget.get_context("f", None, {})["widget"]).startswith("<select")
    assert 'label="group &lt;1&gt;"' in theirs and "selected" in theirs


def test_region_choices_are_kept_until_regions_change(django_assert_num_queries):
    region_choices()
    with django_assert_num_queries(0):
        choices = region_choices()
    chuxiong = Region.objects.get(code="532300")
    groups = {label: options for label, options in choices[2:]}
    assert (chuxiong.code, chuxiong.name) in groups[chuxiong.name]
    chuxiong.name_en = "Chuxiong (renamed)"
    chuxiong.save(update_fields=["name_en"])
    with django_assert_num_queries(1):
        region_choices()


@pytest.fixture
def spread():
    """Producers in every county of 楚雄州 and one outside; one linked only by a
    township (no county), one whose county lies outside but township inside."""
    prefecture = Region.objects.get(code="532300")
    counties = list(Region.objects.filter(parent=prefecture).order_by("code"))
    outside = Region.objects.filter(level="county").exclude(parent=prefecture).first()
    township = Region.objects.filter(parent=counties[1], level="township").first()
    rows = []
    for n in range(150):
        county = counties[n % len(counties)] if n % 5 else outside
        # names begin with the county, as real ones do: the merge must reorder
        name = f"{county.name}演示{n:03d} (demo)"
        rows.append(
            Producer(
                name=name,
                search_key=pinyin_key(name),
                credit_code=make_credit_code(f"93532300MA6N{n:05d}"),
                kind=[ProducerKind.COOPERATIVE, ProducerKind.ENTERPRISE][n % 2],
                county=county,
                is_demo=True,
            )
        )
    rows[0].county, rows[0].township = None, township
    rows[5].county, rows[5].township = outside, township
    Producer.objects.bulk_create(rows)
    return prefecture


def ids_on(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/producers/(\d+)/"', body)]


def walk(client, url: str, rel: str = "next") -> tuple[list[int], str]:
    seen = []
    while True:
        body = client.get(url).content.decode()
        seen += ids_on(body)
        found = re.search(rf'rel="{rel}" href="([^"]+)"', body)
        if not found:
            return seen, url
        url = "/producers/" + html.unescape(found.group(1))


@pytest.mark.parametrize("extra", ["", "&kind=cooperative", "&sort=-name", "&sort=kind"])
def test_region_filtered_pages_merge_counties_in_list_order(client, spread, extra):
    prefecture = spread
    qs = Producer.objects.filter(county__parent=prefecture) | Producer.objects.filter(
        township__parent__parent=prefecture
    )
    if "kind" in extra and "sort" not in extra:
        qs = qs.filter(kind=ProducerKind.COOPERATIVE)
    order = {"&sort=-name": ["-name", "-pk"], "&sort=kind": ["kind", "pk"]}.get(extra, ["name"])
    expected = list(qs.distinct().order_by(*order, "pk").values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/producers/?region={prefecture.code}{extra}")
    assert any("UNION ALL" in q["sql"] for q in ctx.captured_queries)
    seen, last = walk(client, f"/producers/?region={prefecture.code}{extra}")
    assert seen == expected
    assert len(seen) > 50  # more than one page
    back, _ = walk(client, last, "prev")
    pages = [seen[i : i + 50] for i in range(0, len(seen), 50)]
    assert back == [pk for page in reversed(pages) for pk in page]


def test_region_filter_by_one_county_lists_each_producer_once(client, spread):
    county = Region.objects.filter(parent=spread).order_by("code")[1]
    seen, _ = walk(client, f"/producers/?region={county.code}")
    expected = set(Producer.objects.filter(county=county).values_list("pk", flat=True)) | set(
        Producer.objects.filter(township__parent=county).values_list("pk", flat=True)
    )
    assert set(seen) == expected and len(seen) == len(expected)
