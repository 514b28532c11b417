"""The layers of the public map, and how the page's filters reach each of them.

The page has one filter vocabulary, the list pages' own: ``q``, ``category``,
``register`` and ``region``. Each layer runs them through its register's
FilterSet (the one its list page uses), so a filter exists once. A layer only
takes the filters its register can answer; category and register are about GI
products, so they reach the producers authorized for those products and the
township products of that category, but not marks or plant varieties.

Detail pages focus the same layers on one record with ``FOCUS_FILTERS``
(``product``, ``mark``, ``producer``, ``township_product``: record ids); the
product page, for instance, asks the producer layer for ``product=<id>`` and
gets the producers holding a valid label authorization for that product.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from brands.filtersets import GIMarkFilterSet
from brands.models import GIMark
from labels.choices import AuthorizationStatus
from labels.models import Authorization
from producers.filtersets import ProducerFilterSet
from producers.models import Producer
from products.filtersets import GIProductFilterSet
from products.models import GIProduct
from township_products.filtersets import TownshipProductFilterSet
from varieties.filtersets import PlantVarietyFilterSet
from varieties.models import PlantVariety

PAGE_FILTERS = ("q", "category", "register", "region")
# Ids of the one record a detail page is about (see ``focus_ids``).
FOCUS_FILTERS = ("product", "mark", "variety", "producer", "township_product")


@dataclass(frozen=True)
class Layer:
    name: str
    label: Promise
    kind: str  # "tiles" (vector tiles of polygons) or "points" (clustered GeoJSON)
    topics: tuple[str, ...]  # data versions its content depends on
    filters: tuple[str, ...]  # page filters it takes
    default_on: bool = True
    public: bool = True  # on the public map (False: detail pages only)


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
            (*PAGE_FILTERS, "product", "producer"),
        ),
        Layer(
            "marks",
            _("GI mark origin regions"),
            "tiles",
            ("regions", "mesh", "marks"),
            ("q", "region", "mark"),
            default_on=False,
        ),
        Layer(
            "varieties",
            _("Plant variety growing areas"),
            "tiles",
            ("regions", "mesh", "varieties"),
            ("q", "region", "variety"),
            default_on=False,
        ),
        Layer(
            "producers",
            _("Where to buy genuine: authorized producers"),
            "points",
            ("regions", "producers", "products"),
            (*PAGE_FILTERS, "product", "mark", "producer"),
        ),
        Layer(
            "townships",
            _("One township, one product"),
            "points",
            ("regions", "townships", "products"),
            ("q", "category", "region", "product", "township_product"),
        ),
        Layer(
            "sites",
            _("Production sites"),
            "points",
            ("producers",),
            ("producer",),
            public=False,
        ),
    )
}
PUBLIC_LAYERS = {name: layer for name, layer in LAYERS.items() if layer.public}


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


def focus_ids(data: dict[str, list[str]], name: str) -> list[int] | None:
    """The record ids of focus filter ``name``, or None when absent (BadFilter if not ids)."""
    if name not in data:
        return None
    try:
        return [int(v) for value in data[name] for v in value.split(",")]
    except ValueError:
        raise BadFilter(
            {name: [{"message": gettext("Enter record ids."), "code": "invalid"}]}
        ) from None


def _page_filtered(filterset_class, data: dict[str, list[str]], names) -> QuerySet | None:
    """``filterset_class`` over the page filters in ``data``, or None when none is given."""
    if not any(name in data for name in names):
        return None
    return _filtered(filterset_class, data, names)


def layer_ids(layer: Layer, data: dict[str, list[str]]) -> QuerySet | None:
    """The ids of ``layer``'s records that pass ``data``, or None when nothing filters."""
    if not data:
        return None
    name = layer.name
    if name == "areas":
        return _areas(data)
    if name == "marks":
        qs = _page_filtered(GIMarkFilterSet, data, ("q", "region"))
        if (ids := focus_ids(data, "mark")) is not None:
            qs = (qs if qs is not None else GIMark.objects.all()).filter(pk__in=ids)
        return None if qs is None else qs.values("pk")
    if name == "varieties":
        qs = _page_filtered(PlantVarietyFilterSet, data, ("q", "region"))
        if (ids := focus_ids(data, "variety")) is not None:
            qs = (qs if qs is not None else PlantVariety.objects.all()).filter(pk__in=ids)
        return None if qs is None else qs.values("pk")
    if name == "townships":
        return _township_products(data).values("pk")
    if name == "producers":
        return _authorized_producers(data).values("pk")
    if name == "sites" and (ids := focus_ids(data, "producer")) is not None:
        return Producer.objects.filter(pk__in=ids).values("pk")
    return None


def _areas(data: dict[str, list[str]]) -> QuerySet | None:
    products = _page_filtered(GIProductFilterSet, data, PAGE_FILTERS)
    products = products if products is not None else GIProduct.objects.all()
    if (ids := focus_ids(data, "product")) is not None:
        products = products.filter(pk__in=ids)
    if (ids := focus_ids(data, "producer")) is not None:
        # The products a producer may label: those of its valid authorizations.
        valid = Authorization.objects.filter(valid_authorizations_q(), producer_id__in=ids)
        products = products.filter(pk__in=valid.values("product_id"))
    return products.values("pk")


def _township_products(data: dict[str, list[str]]) -> QuerySet:
    query = _querydict(data, ("q", "region", "category"))
    if "product" in data:
        query.setlist("gi_product_id", data["product"])
    filterset = TownshipProductFilterSet(query)
    if not filterset.is_valid():
        raise BadFilter(filterset.errors.get_json_data())
    qs = filterset.qs
    if (ids := focus_ids(data, "township_product")) is not None:
        qs = qs.filter(pk__in=ids)
    return qs


def _authorized_producers(data: dict[str, list[str]]) -> QuerySet:
    """Producers filtered by region (their own FilterSet); ``q`` matches their name or
    a product they are authorized for; category and register match such a product;
    ``product`` and ``mark`` are what they hold a valid authorization for."""
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
    for focus, field in (("product", "product_id__in"), ("mark", "mark_id__in")):
        if (ids := focus_ids(data, focus)) is not None:
            producers = producers.filter(pk__in=valid.filter(**{field: ids}).values("producer_id"))
    if (ids := focus_ids(data, "producer")) is not None:
        producers = producers.filter(pk__in=ids)
    return producers


def ids_sql(ids: QuerySet | None) -> tuple[str, list]:
    """``ids`` as an SQL subquery (with its parameters), or ("", []) for no filter."""
    if ids is None:
        return "", []
    # No ORDER BY: with DISTINCT, Django would add the ordering columns to the
    # subquery's select list, and IN (...) takes one column.
    sql, params = ids.order_by().query.sql_with_params()
    return sql, list(params)
