import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Producer


class ProducerTable(tables.Table):
    name = tables.Column(linkify=True)
    county = tables.Column(verbose_name=_("county"), order_by=("county__code",))
    township = tables.Column(verbose_name=_("township"), order_by=("township__code",))

    class Meta:
        model = Producer
        fields = (
            "name",
            "credit_code",
            "kind",
            "status",
            "county",
            "township",
            "member_households",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("Nothing matches these filters.")
