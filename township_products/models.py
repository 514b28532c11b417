"""One township, one product (一乡一品): a township's recognised featured product."""

from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from girrepo.models import ChangeLoggedModel
from girrepo.text import pinyin_key
from regions.choices import RegionLevel

# A sanity bound, not a fact: the "one village, one product" movement began in
# Ōita in 1979 and Chinese provinces took it up from the 1980s on.
FIRST_RECOGNITION_YEAR = 1980


@deconstructible
class NotAfterCurrentYear:
    """A year no later than the current one (checked when validating, not frozen in migrations)."""

    message = _("The year cannot lie in the future.")
    code = "future_year"

    def __call__(self, value: int) -> None:
        if value is not None and value > timezone.localdate().year:
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, NotAfterCurrentYear)


class TownshipProduct(ChangeLoggedModel):
    """A township's featured product (一乡一品), as the county or prefecture recognised it.

    It may name the GI product, GI mark or plant variety it rests on; lead
    cooperatives are the producers that carry it, ideally located in the
    township's county (a warning, not a rule: see ``services``).
    """

    township = models.ForeignKey(
        to="regions.Region",
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="township_products",
        limit_choices_to={"level": RegionLevel.TOWNSHIP},
    )
    product_name = models.CharField(
        verbose_name=_("product"),
        max_length=100,
        help_text=_("The featured product as it is named locally."),
    )
    category = models.ForeignKey(
        to="products.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="township_products",
        null=True,
        blank=True,
    )
    gi_product = models.ForeignKey(
        to="products.GIProduct",
        verbose_name=_("GI product"),
        on_delete=models.SET_NULL,
        related_name="township_products",
        null=True,
        blank=True,
    )
    gi_mark = models.ForeignKey(
        to="brands.GIMark",
        verbose_name=_("GI mark"),
        on_delete=models.SET_NULL,
        related_name="township_products",
        null=True,
        blank=True,
    )
    variety = models.ForeignKey(
        to="varieties.PlantVariety",
        verbose_name=_("plant variety"),
        on_delete=models.SET_NULL,
        related_name="township_products",
        null=True,
        blank=True,
    )
    year_recognised = models.PositiveSmallIntegerField(
        verbose_name=_("year recognised"),
        null=True,
        blank=True,
        validators=[MinValueValidator(FIRST_RECOGNITION_YEAR), NotAfterCurrentYear()],
    )
    lead_cooperatives = models.ManyToManyField(
        to="producers.Producer",
        verbose_name=_("lead cooperatives and enterprises"),
        related_name="township_products",
        blank=True,
    )
    households_involved = models.PositiveIntegerField(
        verbose_name=_("households involved"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    description = models.TextField(
        verbose_name=_("description"),
        blank=True,
    )
    sources = models.TextField(
        verbose_name=_("sources"),
        blank=True,
        help_text=_("Where the recognition is published."),
    )
    is_demo = models.BooleanField(
        verbose_name=_("demo data"),
        default=False,
        help_text=_("Fictional record for demonstration; not a real recognition."),
    )
    search_key = models.CharField(
        max_length=300,
        editable=False,
        blank=True,
    )

    class Meta:
        ordering = ["township__code", "product_name", "id"]
        verbose_name = _("township featured product")
        verbose_name_plural = _("township featured products")
        constraints = [
            models.UniqueConstraint(
                fields=["township", "product_name"],
                name="townshipproduct_unique_per_township",
                violation_error_message=_("This township already has this featured product."),
            ),
            models.CheckConstraint(
                condition=Q(year_recognised__isnull=True)
                | Q(year_recognised__gte=FIRST_RECOGNITION_YEAR),
                name="townshipproduct_year_plausible",
                violation_error_message=_("The year recognised is implausibly early."),
            ),
            models.CheckConstraint(
                condition=Q(households_involved__isnull=True) | Q(households_involved__gt=0),
                name="townshipproduct_households_positive",
                violation_error_message=_("Households involved must be a positive number."),
            ),
        ]
        indexes = [
            GinIndex(
                fields=["product_name"],
                name="townshipproduct_name_trgm",
                opclasses=["gin_trgm_ops"],
            ),
            GinIndex(
                fields=["search_key"],
                name="townshipproduct_search_trgm",
                opclasses=["gin_trgm_ops"],
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.product_name} · {self.township.name}" if self.township_id else self.product_name
        )

    def get_absolute_url(self) -> str:
        return reverse("township_products:townshipproduct_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        if self.township_id and self.township.level != RegionLevel.TOWNSHIP:
            raise ValidationError({"township": _("Choose a township-level unit.")})

    def save(self, *args, **kwargs):
        # A derived search column, not workflow: kept in step with the name.
        self.search_key = pinyin_key(self.product_name)
        super().save(*args, **kwargs)
