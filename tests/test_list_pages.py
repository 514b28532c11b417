"""Register lists: keyset pages (next / previous links, every sort order, NULLs),
bad cursors, exports of the whole filtered list, and the region_id filter."""

import csv
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from girrepo.keyset import encode_cursor, ordering_keys
from girrepo.text import pinyin_key
from girrepo.validators import make_credit_code
from producers.choices import ProducerKind
from producers.models import Producer
from regions.models import Region
from search.selectors import CANDIDATES, search_all

pytestmark = pytest.mark.django_db

N = 130  # three pages of 50 (the last one short)
KINDS = [ProducerKind.COOPERATIVE, ProducerKind.ENTERPRISE, ProducerKind.INDIVIDUAL]


@pytest.fixture
def producers():
    counties = list(Region.objects.filter(level="county").order_by("code")[:3])
    rows = []
    for n in range(N):
        kind = KINDS[n % 3]
        name = f"列表演示{n % 40:02d} (demo)"  # repeated: ties that only the id can order
        rows.append(
            Producer(
                name=name,
                search_key=pinyin_key(name),  # bulk_create skips save()
                credit_code=make_credit_code(f"93530322MA6N{n:05d}"),
                kind=kind,
                # NULL for most rows: a nullable sort key crosses its NULL block.
                member_households=n % 7 if kind == ProducerKind.COOPERATIVE else None,
                county=counties[n % 3] if n % 4 else None,
                is_demo=True,
            )
        )
    return Producer.objects.bulk_create(rows)


def ids_on(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/producers/(\d+)/"', body)]


def link(body: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', body)
    return "/producers/" + html.unescape(found.group(1)) if found else None


def walk(client, url: str, rel: str) -> tuple[list[int], str]:
    """Follow ``rel`` links from ``url``; the ids of every page, and the last URL."""
    seen, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        page = ids_on(body)
        assert 0 < len(page) <= 50
        seen = seen + page if rel == "next" else page + seen
        last, url = url, link(body, rel)
        pages += 1
        assert pages < 10
    return seen, last


SORTS = {  # ?sort= -> the same order in the ORM
    "": ["name", "id"],
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "kind": ["kind", "id"],
    "-kind": ["-kind", "-id"],
    "member_households": ["member_households", "id"],
    "-member_households": ["-member_households", "-id"],
    "county": ["county__code", "id"],
    "-county": ["-county__code", "-id"],
}


@pytest.mark.parametrize("sort", SORTS)
def test_next_and_previous_links_walk_every_row_once(client, producers, sort):
    expected = list(Producer.objects.order_by(*SORTS[sort]).values_list("pk", flat=True))
    first = f"/producers/?sort={sort}" if sort else "/producers/"
    forward, last = walk(client, first, "next")
    assert forward == expected
    backward, back_at = walk(client, last, "prev")
    assert backward == expected
    # The previous links end on page 1, which shows itself as such.
    assert 'rel="first"' not in client.get(back_at).content.decode()


def test_filters_and_sort_survive_the_cursor(client, producers):
    expected = list(
        Producer.objects.filter(kind=ProducerKind.COOPERATIVE)
        .order_by("-member_households", "-id")
        .values_list("pk", flat=True)
    )
    assert len(expected) > 40
    forward, _ = walk(client, "/producers/?kind=cooperative&sort=-member_households", "next")
    assert forward == expected


def test_deep_page_sql_has_no_offset_and_no_count(client, producers):
    body = client.get("/producers/").content.decode()
    page_2 = link(body, "next")
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(page_2).content.decode()
    page_3 = link(body, "next")
    with CaptureQueriesContext(connection) as ctx3:
        assert client.get(page_3).status_code == 200
    for query in ctx.captured_queries + ctx3.captured_queries:
        sql = query["sql"].upper()
        assert "OFFSET" not in sql and "COUNT(" not in sql, sql
    # The seek is a row comparison the (name, id) index serves as a range.
    assert any(
        '("PRODUCERS_PRODUCER"."NAME", "PRODUCERS_PRODUCER"."ID") >' in q["sql"].upper()
        for q in ctx3.captured_queries
    )


def test_page_links_keep_filters_and_drop_the_old_cursor(client, producers):
    body = client.get("/producers/?q=列表演示&sort=-name").content.decode()
    page_2 = link(body, "next")
    assert "sort=-name" in page_2 and "q=" in page_2 and page_2.count("cursor=") == 1
    body = client.get(page_2).content.decode()
    page_3 = link(body, "next")
    assert page_3.count("cursor=") == 1 and page_3 != page_2
    assert 'rel="first"' in body and 'rel="prev"' in body


@pytest.mark.parametrize(
    "cursor",
    [
        "zzz",
        "!!!",
        "e30",  # {}
        "eyJzIjoieCIsInYiOjF9",  # {"s":"x","v":1}: values not a list
        "x" * 5000,
    ],
)
def test_malformed_cursor_is_a_400(client, producers, cursor):
    assert client.get(f"/producers/?cursor={cursor}").status_code == 400


def test_edited_cursor_values_are_a_400(client, producers):
    qs = Producer.objects.order_by("member_households")
    keys = ordering_keys(qs)
    for values in (["many", 5], [3, "abc"], [3, -1], [3, None], [2**70, 5], [3]):
        cursor = encode_cursor(keys, values)
        response = client.get(f"/producers/?sort=member_households&cursor={cursor}")
        assert response.status_code == 400, values


def test_cursor_of_another_sort_order_starts_again(client, producers):
    body = client.get("/producers/?sort=kind").content.decode()
    cursor = re.search(r"cursor=([\w-]+)", html.unescape(link(body, "next"))).group(1)
    response = client.get(f"/producers/?sort=-name&cursor={cursor}")
    assert response.status_code == 200
    expected = list(Producer.objects.order_by("-name", "-id").values_list("pk", flat=True)[:50])
    assert ids_on(response.content.decode()) == expected


def test_export_takes_every_filtered_row_whatever_the_cursor(client, producers):
    body = client.get("/producers/?q=列表演示").content.decode()
    nxt = link(body, "next")
    response = client.get(nxt + "&kind=cooperative&export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) - 1 == Producer.objects.filter(kind=ProducerKind.COOPERATIVE).count()


@pytest.mark.parametrize("value", ["abc", "1,abc", "1;2", "１２x", "99999999999999999999"])
def test_bad_region_id_is_a_form_error_not_a_500(client, producers, value):
    response = client.get("/producers/", {"region_id": value})
    assert response.status_code == 200
    body = response.content.decode()
    assert "whole numbers separated by commas" in body
    assert len(ids_on(body)) == 50  # the filter is ignored, the list still shows


def test_region_filter_includes_sub_regions_once(client, producers):
    county = Region.objects.filter(level="county").order_by("code").first()
    prefecture = county.parent
    township = Region.objects.filter(parent=county).first()
    both = Producer.objects.filter(county=county).first()
    both.township = township
    both.save(update_fields=["township"])
    expected = set(Producer.objects.filter(county__parent=prefecture).values_list("pk", flat=True))
    seen, _ = walk(client, f"/producers/?region_id={prefecture.pk}", "next")
    assert len(seen) == len(set(seen))  # county and township both inside: listed once
    assert set(seen) == expected
    seen, _ = walk(client, f"/producers/?region={county.code},{township.code}", "next")
    assert set(seen) == set(Producer.objects.filter(county=county).values_list("pk", flat=True))


def test_region_filter_finds_a_county_field_holding_another_level(client, producers):
    """Bad data (the county field holding a township, written past the form) is still
    inside the region that holds that township, on the paged list as in the filter."""
    county = Region.objects.filter(level="county").order_by("code").first()
    township = Region.objects.filter(parent=county).first()
    odd = producers[3]
    Producer.objects.filter(pk=odd.pk).update(county=township, township=None)
    seen, _ = walk(client, f"/producers/?region_id={county.parent_id}", "next")
    assert odd.pk in seen
    assert len(seen) == len(set(seen))
    # A region that does not hold it does not list it.
    other = Region.objects.filter(level="prefecture").exclude(pk=county.parent_id).first()
    response = client.get(f"/producers/?region_id={other.pk}")
    assert response.status_code == 200
    assert odd.pk not in ids_on(response.content.decode())


def test_search_finds_a_credit_code_by_its_first_characters(producers):
    code = producers[7].credit_code
    found = [r.pk for g in search_all(q=code[:12]) for r in g.results]
    assert producers[7].pk in found


def test_search_is_one_statement_for_all_registers_when_something_matches(producers):
    with CaptureQueriesContext(connection) as ctx:
        groups = search_all(q="列表演示")
    assert any(r.pk == producers[0].pk for g in groups for r in g.results)
    sqls = [q["sql"] for q in ctx.captured_queries]
    # One statement for the seven registers (UNION ALL), then one typo statement for
    # those that found nothing, with its settings set before and reset after.
    assert len(sqls) in (1, 4)
    assert all(f'FROM "{t}"' in sqls[0] for t in ("producers_producer", "regions_region"))
    assert sqls[0].count(" UNION ALL ") >= 6 and f"LIMIT {CANDIDATES})" in sqls[0]
    if len(sqls) > 1:
        assert sqls[1].startswith("SET ") and "pg_trgm.similarity_threshold" in sqls[1]
        assert sqls[3].startswith("RESET ") and "pg_trgm.similarity_threshold" in sqls[3]


def test_search_typo_fallback_finds_a_near_name(producers):
    # "liebiaoyanshi" with one letter dropped: no substring match anywhere.
    found = [r.pk for g in search_all(q="liebiaoyansi00 demo") for r in g.results]
    assert producers[0].pk in found
    with connection.cursor() as cursor:  # the session threshold is back to pg_trgm's
        cursor.execute("SHOW pg_trgm.similarity_threshold")
        assert float(cursor.fetchone()[0]) == pytest.approx(0.3)
