"""PostGIS functions Django does not wrap, shared by every app that draws maps."""

from django.contrib.gis.db.models.functions import GeomOutputGeoFunc


class SimplifyPreserveTopology(GeomOutputGeoFunc):
    """PostGIS ST_SimplifyPreserveTopology: a coarser outline that stays valid."""

    function = "ST_SimplifyPreserveTopology"
