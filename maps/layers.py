"""The layers of the public map, and how the page's filters reach each of them.

The page has one filter vocabulary, the list pages' own: ``q``, ``category``,
``register`` and ``region``. Each layer runs them through its register's
FilterSet (the one its list page uses), so a filter exists once. A layer only
takes the filters its register can answer; category and register are about GI
products, so they reach the producers authorized for those products and the
township products of that category, but not marks or plant varieties.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from brands.filtersets import GIMarkFilterSet
from labels.choices import AuthorizationStatus
from labels.models import Authorization
from producers.filtersets import ProducerFilterSet
from products.filtersets import GIProductFilterSet
from township_products.filtersets import TownshipProductFilterSet
from varieties.filtersets import PlantVarietyFilterSet

PAGE_FILTERS = ("q", "category", "register", "region")


@dataclass(frozen=True)
class Layer:
    name: str
    label: Promise
    kind: str  # "tiles" (vector tiles of polygons) or "points" (clustered GeoJSON)
    topics: tuple[str, ...]  # data versions its content depends on
    filters: tuple[str, ...]  # page filters it takes
    default_on: bool = True


LAYERS = {
    layer.name: layer
    for layer in (
        Layer("counties", _("County outlines"), "tiles", ("regions", "mesh"), ()),
        Layer("prefectures", _("Prefecture outlines"), "tiles", ("regions", "mesh"), ()),
        Layer(
            "areas",
            _("GI protected areas"),
            "tiles",
            ("regions", "mesh", "products"),
            PAGE_FILTERS,
        ),
        Layer(
            "marks",
            _("GI mark origin regions"),
            "tiles",
            ("regions", "mesh", "marks"),
            ("q", "region"),
            default_on=False,
        ),
        Layer(
            "varieties",
            _("Plant variety growing areas"),
            "tiles",
            ("regions", "mesh", "varieties"),
            ("q", "region"),
            default_on=False,
        ),
        Layer(
            "producers",
            _("Where to buy genuine: authorized producers"),
            "points",
            ("regions", "producers", "products"),
            PAGE_FILTERS,
        ),
        Layer(
            "townships",
            _("One township, one product"),
            "points",
            ("regions", "townships", "products"),
            ("q", "category", "region"),
        ),
    )
}


class BadFilter(ValueError):
    """The filters do not validate; ``errors`` is the form's error dict."""

    def __init__(self, errors: dict):
        super().__init__("invalid map filters")
        self.errors = errors


def filter_data(layer: Layer, query: QueryDict) -> dict[str, list[str]]:
    """The page filters in ``query`` that ``layer`` takes, values sorted, blanks dropped."""
    data = {}
    for name in layer.filters:
        values = sorted(v.strip() for v in query.getlist(name) if v.strip())
        if values:
            data[name] = values
    return data


def _querydict(data: dict[str, list[str]], names) -> QueryDict:
    qd = QueryDict(mutable=True)
    for name in names:
        if name in data:
            qd.setlist(name, data[name])
    return qd


def _filtered(filterset_class, data: dict[str, list[str]], names) -> QuerySet:
    filterset = filterset_class(_querydict(data, names))
    if not filterset.is_valid():
        raise BadFilter(filterset.errors.get_json_data())
    return filterset.qs


def valid_authorizations_q(prefix: str = "") -> Q:
    """Authorizations a buyer can rely on today: valid and not past their end."""
    today = timezone.localdate()
    return Q(**{f"{prefix}status": AuthorizationStatus.VALID}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today})
    )


def layer_ids(layer: Layer, data: dict[str, list[str]]) -> QuerySet | None:
    """The ids of ``layer``'s records that pass ``data``, or None when nothing filters."""
    if not data:
        return None
    name = layer.name
    if name == "areas":
        return _filtered(GIProductFilterSet, data, PAGE_FILTERS).values("pk")
    if name == "marks":
        return _filtered(GIMarkFilterSet, data, ("q", "region")).values("pk")
    if name == "varieties":
        return _filtered(PlantVarietyFilterSet, data, ("q", "region")).values("pk")
    if name == "townships":
        return _township_products(data).values("pk")
    if name == "producers":
        return _authorized_producers(data).values("pk")
    return None


def _township_products(data: dict[str, list[str]]) -> QuerySet:
    filterset = TownshipProductFilterSet(_querydict(data, ("q", "region", "category")))
    if not filterset.is_valid():
        raise BadFilter(filterset.errors.get_json_data())
    qs = filterset.qs
    # TownshipProductFilterSet has no ``category`` filter yet; until it does,
    # the map applies the same slug lookup the product FilterSet uses.
    if "category" in data and "category" not in filterset.filters:
        qs = qs.filter(category__slug__in=data["category"])
    return qs


def _authorized_producers(data: dict[str, list[str]]) -> QuerySet:
    """Producers filtered by region (their own FilterSet); ``q`` matches their name or
    a product they are authorized for; category and register match such a product."""
    producers = _filtered(ProducerFilterSet, data, ("region",))
    valid = Authorization.objects.filter(valid_authorizations_q())
    if "q" in data:
        by_product = valid.filter(
            product__in=_filtered(GIProductFilterSet, data, ("q",)).values("pk")
        )
        by_name = _filtered(ProducerFilterSet, data, ("q",)).values("pk")
        producers = producers.filter(Q(pk__in=by_product.values("producer_id")) | Q(pk__in=by_name))
    if "category" in data or "register" in data:
        products = _filtered(GIProductFilterSet, data, ("category", "register"))
        producers = producers.filter(
            pk__in=valid.filter(product__in=products.values("pk")).values("producer_id")
        )
    return producers


def ids_sql(ids: QuerySet | None) -> tuple[str, list]:
    """``ids`` as an SQL subquery (with its parameters), or ("", []) for no filter."""
    if ids is None:
        return "", []
    # No ORDER BY: with DISTINCT, Django would add the ordering columns to the
    # subquery's select list, and IN (...) takes one column.
    sql, params = ids.order_by().query.sql_with_params()
    return sql, list(params)
