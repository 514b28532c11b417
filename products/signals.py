"""Keep protected areas in step with region boundaries.

``regions.services.regions_load`` sends ``regions.signals.boundaries_changed``
(with ``codes``, the regions whose boundary changed) inside its transaction;
the areas built from those boundaries are recomputed in the same transaction,
so a product's area never describes boundaries that are gone.
"""

from .services import products_recompute_areas


def recompute_areas_on_boundary_change(sender, *, codes, **kwargs) -> None:
    products_recompute_areas(region_codes=codes)
