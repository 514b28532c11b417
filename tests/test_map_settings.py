"""Basemap settings are checked at start-up."""

from django.core.checks import run_checks


def test_default_basemap_passes(settings):
    settings.GIRREPO_BASEMAP = "none"
    assert not [m for m in run_checks() if m.id.startswith("maps.")]


def test_tianditu_without_key_is_an_error(settings):
    settings.GIRREPO_BASEMAP = "tianditu"
    settings.GIRREPO_TIANDITU_KEY = ""
    assert "maps.E002" in [m.id for m in run_checks()]


def test_unknown_basemap_is_an_error(settings):
    settings.GIRREPO_BASEMAP = "amap"
    assert "maps.E001" in [m.id for m in run_checks()]
