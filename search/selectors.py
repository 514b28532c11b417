"""Search every register at once: Chinese, pinyin with or without tones, English,
partial words and small typos, all on indexed columns.

Each register answers with one query: the rows that match through an index (the
pinyin key or the name containing the query, a code starting with it, the exact
name), at most ``CANDIDATES`` of them, ranked by trigram similarity. Ranking only a
bounded set keeps a common word ("普洱" in thousands of producer names) as cheap as
a rare one. Typo tolerance (pg_trgm's ``%``) runs only for a register where nothing
matched that way, since on a large table a short key shares trigrams with most rows.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.gis.db.models import GeometryField
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import F, Lookup, Q
from django.db.models.functions import Greatest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from girrepo.text import query_key

# pg_trgm reads a LIKE pattern through its index only with three characters or more.
MIN_TRIGRAM = 3
# Matches ranked per register; the best ``limit`` of them are shown.
CANDIDATES = 200
# Typo matches: "xuanweihuotu" / "xuanweihuotui" is 0.8, "lufenshi" / "lufengshi" 0.58.
FUZZY_SIMILARITY = 0.5
CHINESE = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")


class ILike(Lookup):
    """``ILIKE``, which pg_trgm's GIN indexes serve (``icontains`` is ``UPPER() LIKE``)."""

    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def _like_contains(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Source:
    """One register that /search/ looks in."""

    label: Promise
    model: str  # "app_label.ModelName"
    text_fields: tuple[str, ...]  # ILIKE '%q%': each has a trigram index (or the table is small)
    name_field: str = "name"
    code_fields: tuple[str, ...] = ()  # upper-case codes matched by prefix (pattern index)

    def model_class(self):
        return apps.get_model(self.model)


SOURCES = (
    Source(_("GI products"), "products.GIProduct", ("name", "name_en")),
    Source(_("GI marks"), "brands.GIMark", ("name",), code_fields=("registration_number",)),
    Source(_("Famous marks"), "brands.FamousMark", ("name",), code_fields=("trademark_number",)),
    Source(
        _("Plant varieties"),
        "varieties.PlantVariety",
        ("denomination", "species_zh"),
        "denomination",
    ),
    Source(
        _("One township, one product"),
        "township_products.TownshipProduct",
        ("product_name",),
        "product_name",
    ),
    Source(_("Producers"), "producers.Producer", ("name",), code_fields=("credit_code",)),
    Source(_("Regions"), "regions.Region", ("name", "name_en", "code")),
)


@dataclass
class SearchGroup:
    label: Promise
    results: list = field(default_factory=list)


def _indexed_match(source: Source, names: set[str], q: str, key: str) -> Q:
    """What an index finds: exact name, name containing q, pinyin key containing
    the query's key, code starting with q, region alias."""
    cond = Q(**{source.name_field: q})
    if len(q) >= MIN_TRIGRAM:
        for f in source.text_fields:
            cond |= Q(ILike(F(f), _like_contains(q)))
    if len(key) >= MIN_TRIGRAM and "search_key" in names:
        cond |= Q(search_key__contains=key)
    code = q.upper().replace(" ", "")
    if code.isalnum() and code.isascii():
        for f in source.code_fields:
            cond |= Q(**{f"{f}__startswith": code})
    if "aliases" in names:
        cond |= Q(aliases__contains=[q])
    return cond


def _fuzzy_match(source: Source, names: set[str], q: str, key: str) -> Q | None:
    """Small typos: trigram similarity of at least ``FUZZY_SIMILARITY``. A Chinese
    query is compared with the name (a wrong character of the same sound already
    matched through the pinyin key), other text with the pinyin key too."""
    if len(key) < MIN_TRIGRAM and len(q) < MIN_TRIGRAM:
        return None
    cond = Q(**{f"{source.name_field}__trigram_similar": q})
    if not CHINESE.search(q) and len(key) >= MIN_TRIGRAM and "search_key" in names:
        cond |= Q(search_key__trigram_similar=key)
    return cond


@contextmanager
def _similarity_threshold(value: float):
    """pg_trgm's ``%`` reads its threshold from the session: raised for the typo
    queries only. At the default 0.3 a long key shares enough trigrams with tens of
    thousands of producer names that checking them costs a second."""
    with connection.cursor() as cursor:
        cursor.execute("SET pg_trgm.similarity_threshold = %s", [value])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET pg_trgm.similarity_threshold")


def _ranked(model, source: Source, names: set[str], cond: Q, q: str, key: str, limit: int):
    candidates = model.objects.filter(cond).order_by().values("pk")[:CANDIDATES]
    sims = [TrigramSimilarity(source.name_field, q)]
    if key and "search_key" in names:
        sims.append(TrigramSimilarity("search_key", key))
    score = Greatest(*sims) if len(sims) > 1 else sims[0]
    # Results show a name and a link: boundaries and other geometry stay in PostGIS.
    geometry = [f.name for f in model._meta.concrete_fields if isinstance(f, GeometryField)]
    return (
        model.objects.filter(pk__in=candidates)
        .defer(*geometry)
        .annotate(score=score)
        .order_by("-score", "pk")
    )[:limit]


def _model(source: Source):
    try:
        model = source.model_class()
    except LookupError:
        return None, set()
    return model, {f.name for f in model._meta.get_fields()}


def search_all(*, q: str, limit: int = 10) -> list[SearchGroup]:
    """Up to ``limit`` best matches per register, best first; empty groups left out."""
    q = (q or "").strip()[:100]
    if not q:
        return []
    # Chinese in the query is matched through its pinyin as well, which finds
    # variant characters and homophones (𥔲嘉 -> ejia -> 鄂嘉镇).
    key = query_key(q)
    found: dict[Source, list] = {}
    for source in SOURCES:
        model, names = _model(source)
        if model is not None:
            cond = _indexed_match(source, names, q, key)
            found[source] = list(_ranked(model, source, names, cond, q, key, limit))
    misses = [s for s, results in found.items() if not results]
    if misses and (len(key) >= MIN_TRIGRAM or len(q) >= MIN_TRIGRAM):
        with _similarity_threshold(FUZZY_SIMILARITY):
            for source in misses:
                model, names = _model(source)
                cond = _fuzzy_match(source, names, q, key)
                found[source] = list(_ranked(model, source, names, cond, q, key, limit))
    return [
        SearchGroup(label=source.label, results=results)
        for source, results in found.items()
        if results
    ]
