"""An admin map widget that works offline.

Django's OpenLayers widgets link OpenLayers from a CDN and draw OSM or NASA tiles.
This one serves OpenLayers from our static files (npm ``ol``, never committed)
and draws Yunnan's county outlines as the base, with OSM tiles only when
``GIRREPO_BASEMAP=osm``.
"""

from django.conf import settings
from django.contrib.gis.forms.widgets import OSMWidget
from django.urls import reverse


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
