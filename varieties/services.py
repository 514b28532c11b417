"""Writes to the plant-variety register."""

from collections.abc import Iterable

from django.db import transaction

from regions.models import Region

from .models import PlantVariety
from .selectors import protection_expiry


def variety_compute_expiry(*, variety: PlantVariety) -> None:
    """Set ``protection_expires`` from the register, plant type and grant date."""
    variety.protection_expires = protection_expiry(
        register=variety.register,
        plant_type=variety.plant_type,
        grant_date=variety.grant_date,
    )


@transaction.atomic
def variety_save(
    *,
    variety: PlantVariety,
    growing_regions: Iterable[Region] | None = None,
) -> PlantVariety:
    """Validate and save a variety, with its protection term recomputed.

    ``growing_regions``, when given, replaces the variety's growing regions.
    Raises ``ValidationError`` keyed by field, and saves nothing then. A
    similar existing denomination is not an error: the admin form warns about
    it (:func:`varieties.selectors.similar_denominations`).
    """
    variety_compute_expiry(variety=variety)
    variety.full_clean()
    variety.save()
    if growing_regions is not None:
        variety.growing_regions.set(growing_regions)
    return variety
