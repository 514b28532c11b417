"""Folium maps that load nothing from the internet.

``folium.Map`` links Leaflet, jQuery, Bootstrap 3, Font Awesome and more from
CDNs, styles the whole page as a full-screen map and defaults to OpenStreetMap
tiles. girrepo must work on an intranet without internet, so here:

- Leaflet comes from our own static files (``xstatic-leaflet`` under the
  ``vendor/leaflet`` prefix) and nothing else is linked;
- there are no base tiles unless ``settings.GIRREPO_BASEMAP`` asks for them,
  and then only WGS-84-compatible web-mercator sources (OpenStreetMap,
  Tianditu ``*_w``); GCJ-02 sources such as Amap would shift our WGS-84
  boundaries by hundreds of metres and are deliberately not offered;
- :func:`render_map` returns the pieces a Django template embeds in its own
  page, instead of folium's self-contained iframe.
"""

from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, MacroElement
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from folium.elements import JSCSSMixin
from folium.map import FitBounds
from folium.template import Template
from folium.utilities import JsCode

BASEMAPS = ("none", "osm", "tianditu")

OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"
# Tianditu's "_w" services are web-mercator tiles in CGCS2000, which matches
# WGS-84 to well under a metre, so our boundaries overlay them correctly.
TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/%(layer)s_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
    "&VERSION=1.0.0&LAYER=%(layer)s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%(key)s"
)
TIANDITU_ATTRIBUTION = "&copy; 天地图 Tianditu"

# Binds a tooltip and a popup link from each feature's ``label`` and ``url``.
# Text goes in through textContent, so a name can never inject markup.
_LINK_FEATURES_JS = JsCode(
    """
    function (feature, layer) {
        var props = feature.properties || {};
        if (!props.label) { return; }
        var tip = document.createElement("span");
        tip.textContent = props.label;
        layer.bindTooltip(tip, {sticky: true});
        if (props.url) {
            var link = document.createElement("a");
            link.href = props.url;
            link.textContent = props.label;
            layer.bindPopup(link);
        }
    }
    """
)


class OfflineMap(folium.Map):
    """A ``folium.Map`` that links only our local Leaflet and styles only itself."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Instance lists: folium's add_js_link() mutates these in place, and
        # the class-level ones are shared by every map in the process.
        self.default_js = [("leaflet", static("vendor/leaflet/leaflet.js"))]
        self.default_css = [("leaflet_css", static("vendor/leaflet/leaflet.css"))]

    def fit_bounds(self, bounds: Any, **kwargs: Any) -> None:
        """Like folium's, but at once: an animated zoom on page load is only flicker."""
        fit = FitBounds(bounds, **kwargs)
        fit.options["animate"] = False
        self.add_child(fit)

    def render(self, **kwargs: Any) -> None:
        super().render(**kwargs)
        # folium's header sets html/body to 100% height, forbids zooming the
        # page and styles "#map"; an embedded map only needs its own size.
        width, height = (f"{v}{unit}" for v, unit in (self.width, self.height))
        own_css = f"<style>#{self.get_name()} {{width: {width}; height: {height};}}</style>"
        self.get_root().header.add_child(Element(own_css), name=self.get_name())


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (folium's also shows miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


def basemap_layers(basemap: str | None = None) -> list[folium.TileLayer]:
    """The tile layers for ``basemap`` (default: ``settings.GIRREPO_BASEMAP``)."""
    basemap = basemap or settings.GIRREPO_BASEMAP
    if basemap == "none":
        return []
    if basemap == "osm":
        return [folium.TileLayer(OSM_URL, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19)]
    if basemap == "tianditu":
        key = settings.GIRREPO_TIANDITU_KEY
        if not key:
            raise ImproperlyConfigured("GIRREPO_BASEMAP=tianditu needs GIRREPO_TIANDITU_KEY.")
        return [
            folium.TileLayer(
                TIANDITU_URL % {"layer": layer, "key": key},
                attr=TIANDITU_ATTRIBUTION,
                name=f"tianditu-{layer}",
                subdomains="01234567",
                max_zoom=18,
                overlay=layer == "cva",
            )
            for layer in ("vec", "cva")
        ]
    raise ImproperlyConfigured(f"GIRREPO_BASEMAP must be one of {BASEMAPS}, not {basemap!r}.")


def offline_map(*, basemap: str | None = None, **kwargs: Any) -> OfflineMap:
    """A map with local Leaflet, a metric scale bar and the configured basemap (if any).

    Other keyword arguments go to ``folium.Map`` (and from there to ``L.map``).
    """
    # Fractional zoom lets fit_bounds() fill the frame with the region.
    kwargs.setdefault("zoom_snap", 0.25)
    m = OfflineMap(tiles=None, **kwargs)
    MetricScale().add_to(m)
    for layer in basemap_layers(basemap):
        layer.add_to(m)
    return m


def outline_layer(
    features: list[dict],
    *,
    style: dict[str, Any],
    attribution: str = "",
) -> folium.GeoJson:
    """A GeoJSON layer of ``features``; a feature with a ``label`` property gets a
    tooltip, and one with a ``url`` as well gets a popup linking there.

    ``attribution`` is HTML shown in the map corner: escape what you put in it.
    """
    for feature in features:
        feature.setdefault("properties", {})["style"] = style
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        on_each_feature=_LINK_FEATURES_JS,
        attribution=attribution or None,
    )


@dataclass(frozen=True)
class MapParts:
    """A rendered map, split for a Django page.

    ``header`` goes in ``<head>`` (Leaflet's CSS and JS, the map's size),
    ``html`` where the map should appear, and ``script`` inside a ``<script>``
    element after it.
    """

    header: SafeString
    html: SafeString
    script: SafeString


def render_map(m: folium.Map) -> MapParts:
    """Render ``m`` into the pieces a template embeds (not folium's iframe)."""
    figure = m.get_root()
    # The page declares its own charset; folium's <meta http-equiv> is noise there.
    figure.header.add_child(Element(""), name="meta_http")
    figure.render()
    return MapParts(
        header=mark_safe(figure.header.render()),
        html=mark_safe(figure.html.render()),
        script=mark_safe(figure.script.render()),
    )


# --- Plugins and page scripts, from our static files ----------------------------


def local_assets(
    element: JSCSSMixin,
    *,
    js: tuple[tuple[str, str], ...] = (),
    css: tuple[tuple[str, str], ...] = (),
) -> JSCSSMixin:
    """Point a folium plugin at our static files instead of its CDN defaults.

    ``js`` and ``css`` are ``(name, static path)`` pairs; they replace the
    plugin's lists on this instance only.
    """
    element.default_js = [(name, static(path)) for name, path in js]
    element.default_css = [(name, static(path)) for name, path in css]
    return element


class StaticAssets(JSCSSMixin, MacroElement):
    """Links static JS and CSS files into the map's header; draws nothing itself."""

    _template = Template("")

    def __init__(
        self,
        *,
        js: tuple[tuple[str, str], ...] = (),
        css: tuple[tuple[str, str], ...] = (),
    ):
        super().__init__()
        self._name = "StaticAssets"
        local_assets(self, js=js, css=css)


MARKERCLUSTER_ASSETS = {
    "js": (("markercluster", "vendor/leaflet-markercluster/leaflet.markercluster.js"),),
    "css": (
        ("markercluster_css", "vendor/leaflet-markercluster/MarkerCluster.css"),
        ("markercluster_default_css", "vendor/leaflet-markercluster/MarkerCluster.Default.css"),
    ),
}
VECTORGRID_ASSETS = {
    "js": (("vectorgrid", "vendor/leaflet-vectorgrid/Leaflet.VectorGrid.bundled.min.js"),),
}


class FullscreenControl(JSCSSMixin, MacroElement):
    """A full-screen button (leaflet.fullscreen 5, served locally).

    folium's ``plugins.Fullscreen`` calls ``L.control.fullscreen``, which that
    version no longer defines; it exports the ``L.Control.FullScreen`` class.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            new L.Control.FullScreen({{ this.options|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )
    default_js = [("fullscreen", "vendor/leaflet-fullscreen/Control.FullScreen.umd.js")]
    default_css = [("fullscreen_css", "vendor/leaflet-fullscreen/Control.FullScreen.css")]

    def __init__(self, **options: Any):
        super().__init__()
        self._name = "FullscreenControl"
        self.options = options
        local_assets(self, js=tuple(type(self).default_js), css=tuple(type(self).default_css))


def locate_control(**options: Any) -> MacroElement:
    """folium's ``LocateControl`` (leaflet.locatecontrol), linked to our static copy."""
    from folium.plugins import LocateControl

    return local_assets(
        LocateControl(**options),
        js=(("locate", "vendor/leaflet-locatecontrol/L.Control.Locate.min.js"),),
        css=(("locate_css", "vendor/leaflet-locatecontrol/L.Control.Locate.min.css"),),
    )


class PageScript(MacroElement):
    """Calls ``function(map, config)`` once the map exists; the config is read from
    the page's ``json_script`` element ``config_id`` (Django escapes it there)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.function }}(
                {{ this._parent.get_name() }},
                JSON.parse(document.getElementById({{ this.config_id|tojson }}).textContent)
            );
        {% endmacro %}
        """
    )

    def __init__(self, function: str, config_id: str):
        super().__init__()
        self._name = "PageScript"
        self.function = function
        self.config_id = config_id
