import django_tables2 as tables
from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _

from girrepo.tables import detail_url

from .models import TownshipProduct


def related_url(record, attr: str) -> str | None:
    """The public page of ``record.<attr>``; None if unset or its app has no page yet."""
    related = getattr(record, attr)
    if related is None:
        return None
    try:
        return detail_url(related)
    except (AttributeError, NoReverseMatch):
        return None


def _link_to(attr: str):
    return lambda record: related_url(record, attr)


class TownshipProductTable(tables.Table):
    product_name = tables.Column(linkify=True)
    township = tables.Column(
        accessor="township__name",
        verbose_name=_("township"),
        order_by=("township__code",),
        linkify=lambda record: detail_url(record.township),
    )
    township_code = tables.Column(
        accessor="township__code", verbose_name=_("township code"), visible=False
    )
    county = tables.Column(
        accessor="township__parent__name",
        verbose_name=_("county"),
        order_by=("township__parent__code",),
    )
    category = tables.Column(accessor="category__name", verbose_name=_("category"))
    gi_product = tables.Column(
        accessor="gi_product__name", verbose_name=_("GI product"), linkify=_link_to("gi_product")
    )
    gi_mark = tables.Column(
        accessor="gi_mark__name", verbose_name=_("GI mark"), linkify=_link_to("gi_mark")
    )
    variety = tables.Column(
        accessor="variety__denomination",
        verbose_name=_("plant variety"),
        linkify=_link_to("variety"),
    )

    class Meta:
        model = TownshipProduct
        fields = (
            "product_name",
            "township",
            "township_code",
            "county",
            "category",
            "gi_product",
            "gi_mark",
            "variety",
            "year_recognised",
            "households_involved",
            "is_demo",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("Nothing matches these filters.")
