"""Plant varieties (植物新品种): protected or registered cultivars bred for Yunnan."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from girrepo.models import ChangeLoggedModel
from girrepo.text import pinyin_key

from .choices import (
    WOODY_PLANT_TYPES,
    PlantType,
    VarietyRegister,
    VarietyStatus,
)


class PlantVariety(ChangeLoggedModel):
    """A new plant variety (植物新品种) and its protection or registration.

    A national plant variety right (品种权) is granted by the agriculture ministry
    (农业植物) or the forestry administration (林草植物); Yunnan also registers
    flower varieties (云南省花卉品种登记). The protection term follows from the
    register, the growth habit and the grant date, and is computed by
    :func:`varieties.selectors.protection_expiry`, never typed.
    """

    denomination = models.CharField(
        verbose_name=_("denomination"),
        max_length=100,
        help_text=_("The variety name (品种名称) as granted or registered."),
    )
    species_latin = models.CharField(
        verbose_name=_("species (Latin)"),
        max_length=150,
        blank=True,
    )
    species_zh = models.CharField(
        verbose_name=_("species (Chinese)"),
        max_length=100,
    )
    register = models.CharField(
        verbose_name=_("register"),
        max_length=30,
        choices=VarietyRegister.choices,
        default=VarietyRegister.UNRECORDED,
    )
    plant_type = models.CharField(
        verbose_name=_("plant type"),
        max_length=20,
        choices=PlantType.choices,
        help_text=_("Decides the protection term: see the register's rules."),
    )
    owner = models.ForeignKey(
        to="producers.Producer",
        verbose_name=_("applicant / owner"),
        on_delete=models.PROTECT,
        related_name="plant_varieties",
        null=True,
        blank=True,
    )
    owner_name = models.CharField(
        verbose_name=_("applicant / owner (not registered)"),
        max_length=200,
        blank=True,
        help_text=_("Only when the owner is not a producer registered here."),
    )
    breeders = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("breeders"),
        default=list,
        blank=True,
        help_text=_("Separate names with commas."),
    )
    application_number = models.CharField(
        verbose_name=_("application number"),
        max_length=50,
        blank=True,
    )
    application_date = models.DateField(
        verbose_name=_("application date"),
        null=True,
        blank=True,
    )
    grant_number = models.CharField(
        verbose_name=_("grant / registration number"),
        max_length=50,
        blank=True,
    )
    grant_date = models.DateField(
        verbose_name=_("grant / registration date"),
        null=True,
        blank=True,
        help_text=_("For the Yunnan flower register, the registration date."),
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=20,
        choices=VarietyStatus.choices,
        default=VarietyStatus.UNRECORDED,
    )
    protection_expires = models.DateField(
        verbose_name=_("protected until"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Last day of protection, computed from register, plant type and grant date."),
    )
    growing_regions = models.ManyToManyField(
        to="regions.Region",
        verbose_name=_("growing regions"),
        related_name="plant_varieties",
        blank=True,
    )
    description = models.TextField(
        verbose_name=_("description"),
        blank=True,
    )
    sources = models.TextField(
        verbose_name=_("sources"),
        blank=True,
        help_text=_("Where each fact comes from (announcement, gazette, page)."),
    )
    is_demo = models.BooleanField(
        verbose_name=_("demo data"),
        default=False,
        help_text=_("Fictional record for demonstration; not a real variety."),
    )
    search_key = models.CharField(
        max_length=300,
        editable=False,
        blank=True,
    )

    class Meta:
        ordering = ["denomination", "id"]
        verbose_name = _("plant variety")
        verbose_name_plural = _("plant varieties")
        constraints = [
            models.CheckConstraint(
                condition=Q(grant_date__isnull=True)
                | Q(application_date__isnull=True)
                | Q(grant_date__gte=F("application_date")),
                name="variety_grant_after_application",
                violation_error_message=_("The grant date cannot be before the application date."),
            ),
            models.UniqueConstraint(
                fields=["register", "species_zh", "denomination"],
                name="variety_unique_denomination",
                violation_error_message=_(
                    "This register already has a variety of this species with this denomination."
                ),
            ),
            models.UniqueConstraint(
                fields=["register", "grant_number"],
                condition=~Q(grant_number=""),
                name="variety_unique_grant_number",
                violation_error_message=_("This register already has a variety with this number."),
            ),
        ]
        indexes = [
            # Filtered by register and status, in the list's order (an empty result
            # must not walk the whole register by name).
            models.Index(
                fields=["register", "status", "denomination", "id"],
                name="variety_register_status_name",
            ),
            models.Index(fields=["protection_expires"], name="variety_expires"),
            # The list's order: page 1 reads 51 index entries instead of sorting the table.
            models.Index(fields=["denomination", "id"], name="variety_denomination_id"),
            # Keyset pages of the list sorted by a column: (column, id), read as a range.
            models.Index(fields=["species_zh", "id"], name="variety_species_id"),
            models.Index(fields=["register", "id"], name="variety_register_id"),
            models.Index(fields=["status", "id"], name="variety_status_id"),
            models.Index(fields=["grant_number", "id"], name="variety_grant_number_id"),
            models.Index(fields=["grant_date", "id"], name="variety_grant_date_id"),
            # Typo search (search.selectors): similarity >= t needs a trigram count
            # within [t, 1/t] x the query's, so only names of about the query's length
            # are rechecked instead of every row sharing a trigram with it.
            models.Index(
                Func(Func(F("denomination"), function="show_trgm"), function="cardinality"),
                name="variety_denomination_ntrgm",
            ),
            models.Index(
                Func(Func(F("search_key"), function="show_trgm"), function="cardinality"),
                name="variety_search_key_ntrgm",
            ),
            models.Index(fields=["protection_expires", "id"], name="variety_expires_id"),
            GinIndex(
                fields=["species_zh"], name="variety_species_trgm", opclasses=["gin_trgm_ops"]
            ),
            GinIndex(
                fields=["denomination"],
                name="variety_denomination_trgm",
                opclasses=["gin_trgm_ops"],
            ),
            GinIndex(fields=["search_key"], name="variety_search_trgm", opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self) -> str:
        return self.denomination

    def get_absolute_url(self) -> str:
        return reverse("varieties:plantvariety_detail", kwargs={"pk": self.pk})

    @property
    def species_display(self) -> str:
        if self.species_latin:
            return f"{self.species_zh} ({self.species_latin})"
        return self.species_zh

    @property
    def owner_display(self) -> str:
        return self.owner.name if self.owner_id else self.owner_name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}

        def add(field: str, message) -> None:
            errors.setdefault(field, []).append(message)

        if self.grant_date and self.application_date and self.grant_date < self.application_date:
            add("grant_date", _("The grant date cannot be before the application date."))
        if self.grant_number and not self.grant_date:
            add("grant_date", _("A grant number needs its grant date."))
        if self.grant_date and not self.grant_number:
            add("grant_number", _("A grant date needs its grant number."))
        if self.status == VarietyStatus.GRANTED and not self.grant_date:
            add("grant_date", _("A granted variety needs its grant date."))
        if self.register == VarietyRegister.YUNNAN_FLOWER and self.plant_type not in (
            {PlantType.HERBACEOUS} | WOODY_PLANT_TYPES
        ):
            add(
                "plant_type",
                _(
                    "The Yunnan flower register distinguishes herbaceous and woody varieties: "
                    "choose one of those."
                ),
            )
        if self.owner_id and self.owner_name:
            add("owner_name", _("Give the registered owner or an owner name, not both."))
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # A derived search column, not workflow: kept in step with the name.
        self.search_key = pinyin_key(self.denomination)
        super().save(*args, **kwargs)
