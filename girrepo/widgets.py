"""Widgets: an admin map widget that works offline, and selects written in Python.

Django's OpenLayers widgets link OpenLayers from a CDN and draw OSM or NASA tiles.
This one serves OpenLayers from our static files (npm ``ol``, never committed)
and draws Yunnan's county outlines as the base, with OSM tiles only when
``GIRREPO_BASEMAP=osm``.
"""

from django import forms
from django.conf import settings
from django.contrib.gis.forms.widgets import OSMWidget
from django.template.base import render_value_in_context
from django.template.context import Context
from django.template.defaultfilters import stringformat
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe


class OfflineMapWidget(OSMWidget):
    template_name = "gis/girrepo-openlayers.html"
    # Yunnan: centre and a zoom that shows the whole province.
    default_lon = 101.5
    default_lat = 25.0
    default_zoom = 6

    class Media:
        extend = False  # replace, not add to, the parent's CDN links
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js")

    def get_context(self, name, value, attrs):
        ctx = super().get_context(name, value, attrs)
        ctx["basemap"] = settings.GIRREPO_BASEMAP
        ctx["outlines_url"] = reverse("regions:outlines", kwargs={"level": "county"})
        return ctx


class FastSelectMixin:
    """Writes a ``<select>`` in Python, byte for byte as Django's
    ``django/forms/widgets/select.html`` would: the template engine costs ~20 µs per
    ``<option>``, so a 150-option select took ~3.5 ms of every list page."""

    def render(self, name, value, attrs=None, renderer=None):
        return render_select(self.get_context(name, value, attrs)["widget"])


def is_plain_select(widget) -> bool:
    """A select that Django's own templates would draw (no custom template or render)."""
    return (
        isinstance(widget, forms.Select)
        and widget.template_name == "django/forms/widgets/select.html"
        and widget.option_template_name == "django/forms/widgets/select_option.html"
        and type(widget).render in (forms.Widget.render, FastSelectMixin.render)
    )


_fast_classes: dict[type, type] = {}


def make_fast(widget) -> None:
    """Give a plain select widget the Python renderer (same markup)."""
    cls = type(widget)
    if isinstance(widget, FastSelectMixin) or not is_plain_select(widget):
        return
    if cls not in _fast_classes:
        _fast_classes[cls] = type(f"Fast{cls.__name__}", (FastSelectMixin, cls), {})
    widget.__class__ = _fast_classes[cls]


_CONTEXT = Context(autoescape=True)


def _text(value) -> str:
    """``{{ value }}`` in an autoescaping template."""
    return render_value_in_context(value, _CONTEXT)


def _stringformat(value) -> str:
    """``{{ value|stringformat:'s' }}`` (an ``is_safe`` filter)."""
    text = stringformat(value, "s")
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(
            f" {_text(name)}" if value is True else f' {_text(name)}="{_stringformat(value)}"'
        )
    return "".join(out)


def render_select(widget: dict) -> str:
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            out.append(
                f'\n  <option value="{_stringformat(option["value"])}"'
                f"{_attrs(option['attrs'])}>{_text(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return mark_safe("".join(out))  # noqa: S308 - every part escaped above
