"""``{% detail_map object %}``: a detail page's small map, served by ``maps``.

Pages of apps further left (products, regions, producers…) cannot import
``maps``; they load this tag library instead, as they load other apps'
template fragments. The fragment links its own assets (local static files
only), so the page needs nothing in ``<head>``.
"""

from django import template

from girrepo.offline_maps import render_map

from ..detail import caption, detail_map_config
from ..pages import folium_map

register = template.Library()

CONFIG_ID = "detail-map-config"


@register.inclusion_tag("maps/detail_map.html")
def detail_map(obj, empty_text: str = "") -> dict:
    config = detail_map_config(obj)
    if config is None:
        return {"map": None, "empty_text": empty_text}
    return {
        "map": render_map(folium_map(config_id=CONFIG_ID, locate=False)),
        "config": config,
        "config_id": CONFIG_ID,
        "caption": caption(obj),
    }
