"""Reads from the plant-variety register: protection terms and denomination conflicts."""

import datetime

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from girrepo.dates import add_years
from girrepo.text import pinyin_key

from .choices import (
    LONG_TERM_PLANT_TYPES,
    NATIONAL_PVP_REGISTERS,
    WOODY_PLANT_TYPES,
    PlantType,
    VarietyRegister,
    VarietyStatus,
)
from .denominations import WARNING_SCORE, NameForms, compare_names, species_match, weigh_by_species
from .models import PlantVariety

# Trigram preselection: at most this many candidates are scored in Python.
CANDIDATE_LIMIT = 50


def protection_term_years(*, register: str, plant_type: str) -> int | None:
    """Years of protection the register gives this kind of plant; None if it gives none.

    - National plant variety rights (agricultural and forestry; 植物新品种保护条例
      art. 34): 20 years for vines, forest trees, fruit trees and ornamental
      trees, 15 years for other plants.
    - Yunnan flower variety registration: 5 years for herbaceous, 10 years for
      woody varieties.
    """
    if register in NATIONAL_PVP_REGISTERS:
        return 20 if plant_type in LONG_TERM_PLANT_TYPES else 15
    if register == VarietyRegister.YUNNAN_FLOWER:
        if plant_type == PlantType.HERBACEOUS:
            return 5
        if plant_type in WOODY_PLANT_TYPES:
            return 10
    return None


def protection_expiry(
    *, register: str, plant_type: str, grant_date: datetime.date | None
) -> datetime.date | None:
    """Last day of protection; None when there is no grant date or no term applies.

    For the Yunnan flower register the grant date field holds the registration date.
    """
    if grant_date is None:
        return None
    years = protection_term_years(register=register, plant_type=plant_type)
    return add_years(grant_date, years) if years else None


def variety_effective_status(*, variety: PlantVariety, today: datetime.date | None = None) -> str:
    """The recorded status, except that a granted right past its last day reads as expired."""
    today = today or timezone.localdate()
    if (
        variety.status == VarietyStatus.GRANTED
        and variety.protection_expires is not None
        and today > variety.protection_expires
    ):
        return VarietyStatus.EXPIRED
    return variety.status


def varieties_in_force_q(*, today: datetime.date | None = None) -> Q:
    """Granted rights whose term has not ended (``today`` included)."""
    today = today or timezone.localdate()
    return Q(status=VarietyStatus.GRANTED, protection_expires__gte=today)


class _WordSimilarWithin(Func):
    """``column <% text``: the column's trigrams match an extent of ``text`` (pg_trgm),
    i.e. an existing name inside the new one; served by the column's GIN index."""

    arg_joiner = " <%% "
    template = "%(expressions)s"
    output_field = BooleanField()
    conditional = True


def _candidates(*, denomination: str, exclude_pk: int | None) -> QuerySet[PlantVariety]:
    """Names close in pinyin or characters, in one query on the trigram GIN indexes.

    ``%`` (similarity) catches names of about the same length; word similarity
    in both directions catches a name contained in a longer one. All three
    operators are answered from the trigram indexes.
    """
    key = pinyin_key(denomination)
    cond = Q(denomination__trigram_similar=denomination)
    if key:
        cond |= (
            Q(search_key__trigram_similar=key)
            | Q(search_key__trigram_word_similar=key)
            | Q(_WordSimilarWithin(F("search_key"), Value(key)))
        )
    qs = (
        PlantVariety.objects.filter(cond)
        .annotate(
            trigram=Greatest(
                TrigramSimilarity("denomination", denomination),
                TrigramSimilarity("search_key", key),
                TrigramWordSimilarity(key, "search_key"),
            )
        )
        .order_by("-trigram", "pk")
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs[:CANDIDATE_LIMIT]


def similar_denominations(
    *,
    denomination: str,
    species: str | None = None,
    exclude_pk: int | None = None,
) -> list[tuple[PlantVariety, float, str]]:
    """Registered varieties whose names could be confused with ``denomination``.

    Each hit is ``(variety, score 0..1, reason)``, best first. Candidates are
    preselected by PostgreSQL trigrams on the name and its pinyin, then scored
    as an examiner would (:mod:`varieties.denominations`): identical once
    normalised (云抗 10 号 = 云抗10号), homophones (紫鹃 = 紫娟 = *zijuan*), the
    same stem with another number, containment, and edit distance on pinyin and
    on characters. When ``species`` is given, same-species names weigh more and
    other species less. A hit is a warning for the clerk, never a refusal.
    """
    new = NameForms.of(denomination)
    if not new.key:
        return []
    hits = []
    for variety in _candidates(denomination=denomination, exclude_pk=exclude_pk):
        found = compare_names(new, NameForms.of(variety.denomination))
        if found is None:
            continue
        same = (
            None
            if not species
            else species_match(
                species, species_zh=variety.species_zh, species_latin=variety.species_latin
            )
        )
        score, reason = weigh_by_species(*found, same=same)
        if score >= WARNING_SCORE:
            hits.append((variety, round(score, 2), reason))
    hits.sort(key=lambda h: (-h[1], h[0].denomination))
    return hits
