"""Start-up checks for map settings, so a misconfiguration fails at boot, not as a 500."""

from django.conf import settings
from django.core.checks import Error, register

from girrepo.offline_maps import BASEMAPS


@register()
def basemap_settings(app_configs, **kwargs):
    basemap = settings.GIRREPO_BASEMAP
    if basemap not in BASEMAPS:
        return [
            Error(
                f"GIRREPO_BASEMAP is {basemap!r}; it must be one of {', '.join(BASEMAPS)}.",
                id="maps.E001",
            )
        ]
    if basemap == "tianditu" and not settings.GIRREPO_TIANDITU_KEY:
        return [
            Error(
                "GIRREPO_BASEMAP=tianditu needs GIRREPO_TIANDITU_KEY.",
                hint="Set the key, or use GIRREPO_BASEMAP=none (county outlines as the base).",
                id="maps.E002",
            )
        ]
    return []
