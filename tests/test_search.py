"""/search/: every register at once, Chinese, pinyin (with or without tones), English, typos."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from search.selectors import search_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def facts():
    call_command("load_gi_facts", verbosity=0)
    call_command("load_brand_facts", verbosity=0)
    call_command("load_variety_facts", verbosity=0)


def names(q):
    return {str(getattr(r, "name", "") or r) for g in search_all(q=q) for r in g.results}


@pytest.mark.parametrize(
    "q", ["puer", "普洱", "Pu'er tea", "pu'er cha", "pǔ'ěr chá", "pu3er3", "puercha"]
)
def test_puer_tea_is_found(facts, q):
    assert "普洱茶" in names(q)


def test_small_typo_and_partial_word(facts):
    assert "宣威火腿" in names("xuanwei huotu")  # one letter off
    assert "宣威火腿" in names("火腿")


def test_marks_varieties_and_regions_in_one_search(facts):
    found = {str(g.label): [str(r) for r in g.results] for g in search_all(q="文山三七")}
    assert len(found) >= 2  # the GI product and the marks
    assert any("紫娟" in str(r) for g in search_all(q="zijuan") for r in g.results)
    assert any("禄丰市" in str(r) for g in search_all(q="lufeng") for r in g.results)


def test_variant_character_alias_finds_township():
    assert any("鄂嘉镇" in str(r) for g in search_all(q="𥔲嘉镇") for r in g.results)


def test_search_page(client, facts):
    resp = client.get(reverse("search:search"), {"q": "puer"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "普洱茶" in html and 'href="/products/' in html


def test_empty_and_nonsense_queries(client):
    assert search_all(q="") == []
    assert search_all(q="   ") == []
    resp = client.get(reverse("search:search"), {"q": "zzzzqqqxxx"})
    assert resp.status_code == 200


def test_results_are_model_instances_with_their_links(facts):
    """Rows come back from one statement as model instances (only the columns
    shown loaded): str() and the detail link work, township names included."""
    from township_products.models import TownshipProduct

    groups = search_all(q="普洱")
    results = [r for g in groups for r in g.results]
    assert results and all(r.get_absolute_url().startswith("/") for r in results)
    scores = [r.score for r in groups[0].results]
    assert scores == sorted(scores, reverse=True)
    tp = TownshipProduct.objects.select_related("township").exclude(township=None).first()
    if tp is not None:
        found = [r for g in search_all(q=tp.product_name) for r in g.results]
        assert str(tp) in {str(r) for r in found}


def test_typo_settings_are_reset(facts):
    from django.db import connection

    assert "宣威火腿" in names("xuanwei huotu")  # the typo statement ran
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW pg_trgm.similarity_threshold")
        assert float(cursor.fetchone()[0]) == pytest.approx(0.3)
