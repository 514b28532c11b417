"""Search every register at once: Chinese, pinyin with or without tones, English,
partial words and small typos, all on trigram-indexed columns."""

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Q, QuerySet
from django.db.models.functions import Greatest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from girrepo.text import query_key

# Below this pg_trgm similarity a fuzzy match is noise (pg_trgm's default is 0.3).
SIMILARITY = 0.3


@dataclass(frozen=True)
class Source:
    """One register that /search/ looks in."""

    label: Promise
    model: str  # "app_label.ModelName"
    text_fields: tuple[str, ...]  # matched with icontains (Chinese, English, codes)
    name_field: str = "name"

    def model_class(self):
        return apps.get_model(self.model)


SOURCES = (
    Source(_("GI products"), "products.GIProduct", ("name", "name_en")),
    Source(_("GI marks"), "brands.GIMark", ("name", "registration_number")),
    Source(_("Famous marks"), "brands.FamousMark", ("name", "trademark_number")),
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
    Source(_("Producers"), "producers.Producer", ("name", "name_en", "credit_code")),
    Source(_("Regions"), "regions.Region", ("name", "name_en", "code")),
)


@dataclass
class SearchGroup:
    label: Promise
    results: list = field(default_factory=list)


def _source_queryset(source: Source, q: str, compact: str, limit: int) -> QuerySet | None:
    try:
        model = source.model_class()
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    text_fields = [f for f in source.text_fields if f in names]
    cond = Q()
    for f in text_fields:
        cond |= Q(**{f"{f}__icontains": q})
    if "aliases" in names:
        cond |= Q(aliases__contains=[q])
    sims = [TrigramSimilarity(source.name_field, q)]
    if compact and "search_key" in names:
        cond |= Q(search_key__contains=compact) | Q(search_key__trigram_similar=compact)
        sims.append(TrigramSimilarity("search_key", compact))
    cond |= Q(**{f"{source.name_field}__trigram_similar": q})
    score = Greatest(*sims) if len(sims) > 1 else sims[0]
    return model.objects.filter(cond).annotate(score=score).order_by("-score", "pk")[:limit]


def search_all(*, q: str, limit: int = 10) -> list[SearchGroup]:
    """Up to ``limit`` best matches per register, best first; empty groups left out."""
    q = (q or "").strip()[:100]
    if not q:
        return []
    # Chinese in the query is matched through its pinyin as well, which finds
    # variant characters and homophones (𥔲嘉 -> ejia -> 鄂嘉镇).
    compact = query_key(q)
    groups = []
    for source in SOURCES:
        qs = _source_queryset(source, q, compact, limit)
        if qs is None:
            continue
        results = list(qs)
        if results:
            groups.append(SearchGroup(label=source.label, results=results))
    return groups
