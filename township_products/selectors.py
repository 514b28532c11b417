"""Reads about township featured products."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from producers.choices import ProducerKind
from producers.models import Producer

from .models import TownshipProduct

# Who may lead a featured product: the "cooperative (or company) + farm households" model.
LEAD_KINDS = (ProducerKind.COOPERATIVE, ProducerKind.ENTERPRISE)


def lead_cooperative_warnings(
    *,
    township_product: TownshipProduct,
    producers: Iterable[Producer] | None = None,
) -> list[str]:
    """What looks wrong about the lead cooperatives; warnings for the clerk, never errors.

    A lead should be a cooperative or an enterprise, located in the township's
    county. A producer with no known county is reported too, since that
    cannot be checked.
    """
    if producers is None:
        producers = township_product.lead_cooperatives.select_related("county")
    county = township_product.township.parent if township_product.township_id else None
    warnings = []
    for producer in producers:
        if producer.kind not in LEAD_KINDS:
            warnings.append(
                _("%(name)s is a %(kind)s, not a cooperative or enterprise.")
                % {"name": producer.name, "kind": producer.get_kind_display()}
            )
        if county is None:
            continue
        if producer.county_id is None:
            warnings.append(
                _("%(name)s has no recorded county, so its location in %(county)s is unchecked.")
                % {"name": producer.name, "county": county.name}
            )
        elif producer.county_id != county.pk:
            warnings.append(
                _("%(name)s is located in %(where)s, not in %(county)s.")
                % {"name": producer.name, "where": producer.county.name, "county": county.name}
            )
    return warnings
