"""Producers: the enterprises, cooperatives and associations behind registrations."""

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from girrepo.models import ChangeLoggedModel
from girrepo.text import pinyin_key
from girrepo.validators import validate_credit_code
from regions.choices import RegionLevel
from regions.coords import CRS

from .choices import ProducerKind, ProducerStatus


class Producer(ChangeLoggedModel):
    """A market actor (市场主体): enterprise, cooperative, association, individual or institute.

    Its county and township follow from its location through PostGIS; staff may
    override them, and the override is recorded as such.
    """

    name = models.CharField(
        verbose_name=_("name"),
        max_length=200,
    )
    name_en = models.CharField(
        verbose_name=_("English name"),
        max_length=200,
        blank=True,
    )
    credit_code = models.CharField(
        verbose_name=_("unified social credit code"),
        max_length=18,
        unique=True,
        error_messages={"unique": _("A producer with this credit code is registered.")},
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015, printed on the special label."),
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=20,
        choices=ProducerKind.choices,
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=20,
        choices=ProducerStatus.choices,
        default=ProducerStatus.ACTIVE,
    )
    legal_representative = models.CharField(
        verbose_name=_("legal representative"),
        max_length=100,
        blank=True,
    )
    address = models.CharField(
        verbose_name=_("address"),
        max_length=300,
        blank=True,
    )
    phone = models.CharField(
        verbose_name=_("phone"),
        max_length=50,
        blank=True,
    )
    email = models.EmailField(
        verbose_name=_("email"),
        blank=True,
    )
    website = models.URLField(
        verbose_name=_("website"),
        blank=True,
    )
    location = models.PointField(
        verbose_name=_("location"),
        srid=4326,
        null=True,
        blank=True,
    )
    location_crs = models.CharField(
        verbose_name=_("location entered in"),
        max_length=10,
        choices=CRS.choices,
        default=CRS.WGS84,
        help_text=_("The coordinate system the location was typed in; it is stored as WGS-84."),
    )
    county = models.ForeignKey(
        to="regions.Region",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="county_producers",
        limit_choices_to={"level": RegionLevel.COUNTY},
        null=True,
        blank=True,
    )
    township = models.ForeignKey(
        to="regions.Region",
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="township_producers",
        limit_choices_to={"level": RegionLevel.TOWNSHIP},
        null=True,
        blank=True,
    )
    region_override = models.BooleanField(
        verbose_name=_("region set by hand"),
        default=False,
        help_text=_("Set when staff chose the county/township instead of deriving it."),
    )
    member_households = models.PositiveIntegerField(
        verbose_name=_("member households"),
        null=True,
        blank=True,
        help_text=_("Farm households in a cooperative (the '+ farm households' of the model)."),
    )
    description = models.TextField(
        verbose_name=_("description"),
        blank=True,
    )
    is_demo = models.BooleanField(
        verbose_name=_("demo data"),
        default=False,
        help_text=_("Fictional record for demonstration; not a real market actor."),
    )
    search_key = models.CharField(
        max_length=400,
        editable=False,
        blank=True,
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        constraints = [
            models.CheckConstraint(
                condition=Q(member_households__isnull=True) | Q(kind=ProducerKind.COOPERATIVE),
                name="producer_households_only_cooperatives",
                violation_error_message=_("Only cooperatives have member households."),
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "status"], name="producer_kind_status"),
            # The list filtered by kind and status (its usual filters), in list order:
            # a rare pair would otherwise walk (name, id) past every other row.
            models.Index(
                fields=["kind", "status", "name", "id"], name="producer_kind_status_name_id"
            ),
            # The list's order: page 1 reads 51 index entries instead of sorting the table.
            models.Index(fields=["name", "id"], name="producer_name_id"),
            # Keyset pages of the list sorted by a column: (column, id), read as a range.
            models.Index(fields=["kind", "id"], name="producer_kind_id"),
            models.Index(fields=["status", "id"], name="producer_status_id"),
            models.Index(fields=["member_households", "id"], name="producer_households_id"),
            # A region filter reads each county's rows in list order and merges them
            # (girrepo.keyset): names begin with the county, so walking (name, id) for
            # one prefecture would pass every other county's rows first.
            models.Index(fields=["county", "name", "id"], name="producer_county_name_id"),
            # ... and, filtered by kind too (the list's usual pair), without walking
            # past every other kind's rows: a rare kind (individual businesses) in a
            # large prefecture read ~60 ms of (county, name) entries.
            models.Index(
                fields=["county", "kind", "name", "id"], name="producer_county_kind_name_id"
            ),
            # ... plus the rows linked by township alone, found inside this index.
            models.Index(
                fields=["township", "county"], include=["id"], name="producer_township_county"
            ),
            # Search by the first characters of a credit code (LIKE 'X%').
            models.Index(
                fields=["credit_code"],
                name="producer_credit_code_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            # Typo search (search.selectors): similarity >= t needs a trigram count
            # within [t, 1/t] x the query's, so only names of about the query's length
            # are rechecked instead of every row sharing a trigram with it.
            models.Index(
                Func(Func(F("name"), function="show_trgm"), function="cardinality"),
                name="producer_name_ntrgm",
            ),
            models.Index(
                Func(Func(F("search_key"), function="show_trgm"), function="cardinality"),
                name="producer_search_key_ntrgm",
            ),
            GinIndex(fields=["name"], name="producer_name_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(
                fields=["search_key"], name="producer_search_key_trgm", opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("producers:producer_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.member_households is not None and self.kind != ProducerKind.COOPERATIVE:
            errors["member_households"] = _("Only cooperatives have member households.")
        if self.township_id and self.county_id and self.township.parent_id != self.county_id:
            errors["township"] = _("This township is not in the chosen county.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # A derived search column, not workflow: kept in step with the name.
        self.search_key = pinyin_key(self.name)
        super().save(*args, **kwargs)


class CooperativeMember(ChangeLoggedModel):
    """A farm household that belongs to a cooperative (合作社成员户)."""

    cooperative = models.ForeignKey(
        to="producers.Producer",
        verbose_name=_("cooperative"),
        on_delete=models.CASCADE,
        related_name="members",
        limit_choices_to={"kind": ProducerKind.COOPERATIVE},
    )
    household_head = models.CharField(
        verbose_name=_("household head"),
        max_length=100,
    )
    village = models.CharField(
        verbose_name=_("village"),
        max_length=100,
        blank=True,
    )
    township = models.ForeignKey(
        to="regions.Region",
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="cooperative_members",
        limit_choices_to={"level": RegionLevel.TOWNSHIP},
        null=True,
        blank=True,
    )
    joined = models.DateField(
        verbose_name=_("joined"),
        null=True,
        blank=True,
    )
    area_mu = models.DecimalField(
        verbose_name=_("area (mu)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["cooperative", "household_head", "id"]
        verbose_name = _("cooperative member household")
        verbose_name_plural = _("cooperative member households")

    def __str__(self) -> str:
        return f"{self.household_head} ({self.cooperative})"

    def clean(self) -> None:
        super().clean()
        if self.cooperative_id and self.cooperative.kind != ProducerKind.COOPERATIVE:
            raise ValidationError({"cooperative": _("Only a cooperative has member households.")})
