"""Writes to the one-township-one-product register."""

from collections.abc import Iterable

from django.db import transaction

from producers.models import Producer

from .models import TownshipProduct


@transaction.atomic
def township_product_save(
    *,
    township_product: TownshipProduct,
    lead_cooperatives: Iterable[Producer] | None = None,
) -> TownshipProduct:
    """Validate and save a featured product; ``lead_cooperatives``, when given,
    replaces the leads. Raises ``ValidationError`` keyed by field, saving nothing.

    Leads that are not cooperatives or enterprises, or lie outside the
    township's county, are allowed: ask
    :func:`township_products.selectors.lead_cooperative_warnings` what to warn about.
    """
    township_product.full_clean()
    township_product.save()
    if lead_cooperatives is not None:
        township_product.lead_cooperatives.set(lead_cooperatives)
    return township_product
