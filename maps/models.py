"""Derived map data: display shapes per zoom band, and data versions for map caching.

Nothing here is edited by hand. Shapes are rebuilt from the registers by
``maps.services``; versions are bumped by database triggers (migration 0001)
whenever a table a map layer reads from changes, so that cached tiles and
ETags never outlive the data they were built from.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .bands import BANDS


def _band_indexes(prefix: str) -> list[GistIndex]:
    # One partial GiST index per band: a tile query names its band as a
    # literal, so the planner searches only that band's shapes. Written as an
    # expression index because GeoDjango's schema editor drops the condition
    # of an index on a bare geometry field.
    return [
        GistIndex(F("geom"), name=f"{prefix}_geom_b{band}", condition=Q(band=band))
        for band in BANDS
    ]


class RegionShape(models.Model):
    """A region's outline for one zoom band of the web map (显示用简化边界).

    Counties are simplified as one mesh, edge by edge, so that neighbours keep
    sharing their border exactly (no slivers, no gaps); prefectures and the
    province are unions of their counties' shapes. Stored in web-mercator
    (EPSG:3857), the projection of the tiles, so a tile needs no reprojection.
    Never used for containment checks.
    """

    region = models.ForeignKey(
        to="regions.Region",
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        related_name="map_shapes",
    )
    level = models.CharField(
        verbose_name=_("level"),
        max_length=20,
    )
    band = models.PositiveSmallIntegerField(
        verbose_name=_("zoom band"),
        help_text=_("The smallest zoom level this shape is drawn at."),
    )
    geom = models.MultiPolygonField(
        verbose_name=_("shape"),
        srid=3857,
        spatial_index=False,
    )

    class Meta:
        ordering = ["band", "region"]
        verbose_name = _("region map shape")
        verbose_name_plural = _("region map shapes")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "band"],
                name="regionshape_unique_band",
                violation_error_message=_("This region already has a shape for this band."),
            ),
        ]
        indexes = _band_indexes("regionshape")

    def __str__(self) -> str:
        return f"{self.region_id}@{self.band}"


class AreaShape(models.Model):
    """A GI product's protected area for one zoom band: the union of its units'
    shapes from the same mesh, so the area's edge lies exactly on county borders."""

    product = models.ForeignKey(
        to="products.GIProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="map_shapes",
    )
    band = models.PositiveSmallIntegerField(
        verbose_name=_("zoom band"),
    )
    geom = models.MultiPolygonField(
        verbose_name=_("shape"),
        srid=3857,
        spatial_index=False,
    )

    class Meta:
        ordering = ["band", "product"]
        verbose_name = _("protected-area map shape")
        verbose_name_plural = _("protected-area map shapes")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "band"],
                name="areashape_unique_band",
                violation_error_message=_("This product already has a shape for this band."),
            ),
        ]
        indexes = _band_indexes("areashape")

    def __str__(self) -> str:
        return f"{self.product_id}@{self.band}"


class RegionTile(models.Model):
    """A region's shape cut to one low-zoom tile (derived), ready for ``ST_AsMVT``.

    ``wkb`` holds the ``ST_AsMVTGeom`` output: integer tile coordinates (0–512
    across the tile), which belong to no coordinate system, hence bytes and not
    a geometry column with a pretended SRID.
    """

    region = models.ForeignKey(
        to="regions.Region",
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        related_name="map_tiles",
    )
    level = models.CharField(
        verbose_name=_("level"),
        max_length=20,
    )
    z = models.PositiveSmallIntegerField(verbose_name=_("zoom"))
    x = models.PositiveIntegerField(verbose_name=_("column"))
    y = models.PositiveIntegerField(verbose_name=_("row"))
    wkb = models.BinaryField(verbose_name=_("tile geometry (WKB)"))

    class Meta:
        ordering = ["z", "x", "y", "region"]
        verbose_name = _("region tile piece")
        verbose_name_plural = _("region tile pieces")
        indexes = [models.Index(fields=["z", "x", "y"], name="regiontile_zxy")]

    def __str__(self) -> str:
        return f"{self.region_id}@{self.z}/{self.x}/{self.y}"


class AreaTile(models.Model):
    """A protected area's shape cut to one low-zoom tile (derived); see :class:`RegionTile`."""

    product = models.ForeignKey(
        to="products.GIProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="map_tiles",
    )
    z = models.PositiveSmallIntegerField(verbose_name=_("zoom"))
    x = models.PositiveIntegerField(verbose_name=_("column"))
    y = models.PositiveIntegerField(verbose_name=_("row"))
    wkb = models.BinaryField(verbose_name=_("tile geometry (WKB)"))

    class Meta:
        ordering = ["z", "x", "y", "product"]
        verbose_name = _("protected-area tile piece")
        verbose_name_plural = _("protected-area tile pieces")
        indexes = [models.Index(fields=["z", "x", "y"], name="areatile_zxy")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.z}/{self.x}/{self.y}"


class AreaShapeSource(models.Model):
    """Which computation of a product's area its shapes were built from.

    ``products`` recomputes areas in SQL without touching ``last_updated``; the
    shapes are stale when ``area_computed`` moved on since, or the area's size
    changed (two computations in one transaction share ``now()``).
    """

    product = models.OneToOneField(
        to="products.GIProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="map_shape_source",
    )
    area_computed = models.DateTimeField(
        verbose_name=_("area computed"),
        null=True,
    )
    area_km2 = models.FloatField(
        verbose_name=_("area (km²)"),
        null=True,
    )
    mesh_built = models.DateTimeField(
        verbose_name=_("mesh built"),
        null=True,
    )

    class Meta:
        ordering = ["product"]
        verbose_name = _("protected-area shape source")
        verbose_name_plural = _("protected-area shape sources")

    def __str__(self) -> str:
        return str(self.product_id)


class MeshBuild(models.Model):
    """One build of the region mesh (all bands at once), for provenance and staleness."""

    built = models.DateTimeField(
        verbose_name=_("built"),
    )
    counties = models.PositiveIntegerField(
        verbose_name=_("counties"),
    )
    vertices = models.PositiveIntegerField(
        verbose_name=_("vertices in all bands"),
    )
    seconds = models.FloatField(
        verbose_name=_("build time (s)"),
    )

    class Meta:
        ordering = ["-built"]
        get_latest_by = "built"
        verbose_name = _("map mesh build")
        verbose_name_plural = _("map mesh builds")

    def __str__(self) -> str:
        return f"{self.built:%Y-%m-%d %H:%M:%S}"


class DataVersion(models.Model):
    """A counter per topic of map data, bumped by triggers once per writing transaction.

    A map endpoint's ETag and cache key carry the sum of its topics' versions;
    reading it is one primary-key lookup.
    """

    topic = models.CharField(
        verbose_name=_("topic"),
        max_length=30,
        primary_key=True,
    )
    version = models.BigIntegerField(
        verbose_name=_("version"),
        default=0,
    )
    changed = models.DateTimeField(
        verbose_name=_("changed"),
        null=True,
    )

    class Meta:
        ordering = ["topic"]
        verbose_name = _("map data version")
        verbose_name_plural = _("map data versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(version__gte=0),
                name="dataversion_not_negative",
                violation_error_message=_("A version is never negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic}: {self.version}"
