from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class ScreeningGrid(models.Model):
    """What the screening grid was built from (one row; derived data, never edited).

    The grid covers the counties' extent in square cells of ``1 / cells_per_degree``
    degree. ``cells`` holds a byte per cell, column by column: the ``ScreeningClass``
    whose answer every point of the cell gets, or 0 for a cell a boundary crosses,
    whose points need the exact check; one byte more at the end, 1, stands for the
    points off the grid. ``fingerprint`` is a digest of
    the county boundaries and protected-area parts the grid was built from: when it
    no longer matches, the grid is built again before the next screening.
    """

    fingerprint = models.CharField(verbose_name=_("fingerprint"), max_length=32)
    tolerance_m = models.FloatField(verbose_name=_("tolerance (m)"))
    cells_per_degree = models.PositiveIntegerField(verbose_name=_("cells per degree"))
    x0 = models.FloatField(verbose_name=_("west edge"))
    y0 = models.FloatField(verbose_name=_("south edge"))
    columns = models.PositiveIntegerField(verbose_name=_("columns"))
    rows = models.PositiveIntegerField(verbose_name=_("rows"))
    mixed = models.PositiveIntegerField(verbose_name=_("cells needing the exact check"))
    cells = models.BinaryField(verbose_name=_("cell classes"))
    built_at = models.DateTimeField(verbose_name=_("built at"), auto_now=True)

    class Meta:
        verbose_name = _("screening grid")
        verbose_name_plural = _("screening grids")

    def __str__(self) -> str:
        return f"1/{self.cells_per_degree}° grid {self.columns}×{self.rows} ({self.fingerprint})"


class ScreeningClass(models.Model):
    """One answer a clear grid cell can have: the county whose interior holds the
    whole cell (blank: no county touches it) and the products whose area holds it
    in its interior, every other product's area (widened by the tolerance) staying
    clear of it. Class 1 is "no county, no product", also for points off the grid."""

    id = models.PositiveSmallIntegerField(verbose_name=_("class"), primary_key=True)
    county_code = models.CharField(verbose_name=_("county code"), max_length=12, blank=True)
    products = ArrayField(
        models.IntegerField(), verbose_name=_("products inside"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("screening grid class")
        verbose_name_plural = _("screening grid classes")

    def __str__(self) -> str:
        return f"{self.id}: {self.county_code or '-'} {self.products or []}"
