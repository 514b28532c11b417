"""GI marks (地理标志证明商标 / 集体商标), their ten-year terms, their lawful users and images."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from girrepo.models import ChangeLoggedModel, PhotoModel
from girrepo.text import pinyin_key

from ..choices import NICE_CLASSES, USE_KIND_FOR_MARK_TYPE, MarkStatus, MarkType, MarkUseKind
from ..validators import validate_nice_classes


class DateRange(Func):
    """``daterange(start, end, '[]')`` for the no-overlap exclusion constraint."""

    function = "daterange"
    output_field = DateRangeField()


class GIMark(ChangeLoggedModel):
    """A GI certification mark (地理标志证明商标) or collective mark (地理标志集体商标).

    Registered by the trademark office, usually to an industry association. A
    certification mark is used by filed licensees, a collective mark by the
    registrant's members. It is a register of its own: never merged with GI
    protected products or agricultural-product GIs, only linked to them.
    """

    name = models.CharField(
        verbose_name=_("mark"),
        max_length=200,
        help_text=_("The words of the mark, e.g. 文山三七."),
    )
    mark_type = models.CharField(
        verbose_name=_("mark type"),
        max_length=20,
        choices=MarkType.choices,
    )
    registration_number = models.CharField(
        verbose_name=_("registration number"),
        max_length=30,
        blank=True,
        help_text=_("As on the registration certificate; leave empty when unknown, never guess."),
    )
    nice_classes = ArrayField(
        models.PositiveSmallIntegerField(),
        verbose_name=_("Nice classes"),
        default=list,
        blank=True,
        validators=[validate_nice_classes],
        help_text=_("Classes of the Nice classification, 1 to 45."),
    )
    goods = models.TextField(
        verbose_name=_("goods"),
        blank=True,
    )
    registrant = models.ForeignKey(
        to="producers.Producer",
        verbose_name=_("registrant"),
        on_delete=models.PROTECT,
        related_name="gi_marks",
        null=True,
        blank=True,
        help_text=_("Usually an industry association; empty when not recorded."),
    )
    origin_regions = models.ManyToManyField(
        to="regions.Region",
        verbose_name=_("origin regions"),
        related_name="gi_marks",
        blank=True,
    )
    registration_date = models.DateField(
        verbose_name=_("registration date"),
        null=True,
        blank=True,
    )
    date_verified = models.BooleanField(
        verbose_name=_("registration date verified"),
        default=False,
        help_text=_("Ticked when the date was checked against a published source."),
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=20,
        choices=MarkStatus.choices,
        default=MarkStatus.REGISTERED,
    )
    related_products = models.ManyToManyField(
        to="products.GIProduct",
        verbose_name=_("GI products"),
        related_name="marks",
        blank=True,
        help_text=_("The protected product(s) of the same name; a separate register."),
    )
    description = models.TextField(
        verbose_name=_("description"),
        blank=True,
    )
    sources = models.TextField(
        verbose_name=_("sources"),
        blank=True,
        help_text=_("Where each fact above was published."),
    )
    is_demo = models.BooleanField(
        verbose_name=_("demo data"),
        default=False,
        help_text=_("Fictional record for demonstration; not a real mark."),
    )
    search_key = models.CharField(
        max_length=400,
        editable=False,
        blank=True,
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("GI mark")
        verbose_name_plural = _("GI marks")
        constraints = [
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=~Q(registration_number=""),
                name="gimark_unique_registration_number",
                violation_error_message=_("A mark with this registration number is registered."),
            ),
            models.UniqueConstraint(
                fields=["name", "mark_type"],
                condition=Q(registration_number=""),
                name="gimark_unique_unnumbered",
                violation_error_message=_(
                    "A mark of this type and name without registration number exists; "
                    "give the registration number to register another."
                ),
            ),
            models.CheckConstraint(
                condition=Q(nice_classes__contained_by=list(NICE_CLASSES)),
                name="gimark_nice_classes_1_45",
                violation_error_message=_("Nice classes run from 1 to 45."),
            ),
            models.CheckConstraint(
                condition=Q(date_verified=False) | Q(registration_date__isnull=False),
                name="gimark_verified_date_present",
                violation_error_message=_("Only a recorded registration date can be verified."),
            ),
        ]
        indexes = [
            models.Index(fields=["mark_type", "status"], name="gimark_type_status"),
            # The list's order: page 1 reads 51 index entries instead of sorting the table.
            models.Index(fields=["name", "id"], name="gimark_name_id"),
            # Keyset pages of the list sorted by a column: (column, id), read as a range.
            models.Index(fields=["mark_type", "id"], name="gimark_type_id"),
            models.Index(fields=["registration_number", "id"], name="gimark_number_id"),
            models.Index(fields=["registration_date", "id"], name="gimark_registered_id"),
            # Search by the first characters of a registration number (LIKE 'X%').
            models.Index(
                fields=["registration_number"],
                name="gimark_number_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            GinIndex(fields=["name"], name="gimark_name_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(
                fields=["search_key"], name="gimark_search_key_trgm", opclasses=["gin_trgm_ops"]
            ),
            GinIndex(fields=["nice_classes"], name="gimark_nice_classes"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("brands:gimark_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.date_verified and self.registration_date is None:
            errors["date_verified"] = _("Only a recorded registration date can be verified.")
        if self.registration_date and self.registration_date > timezone.localdate():
            errors["registration_date"] = _("The registration date is in the future.")
        duplicates = GIMark.objects.exclude(pk=self.pk)
        if self.registration_number:
            if duplicates.filter(registration_number=self.registration_number).exists():
                errors["registration_number"] = _(
                    "A mark with this registration number is registered."
                )
        elif duplicates.filter(
            name=self.name, mark_type=self.mark_type, registration_number=""
        ).exists():
            errors["registration_number"] = _(
                "A mark of this type and name without registration number exists; "
                "give the registration number to register another."
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # A derived search column, not workflow: kept in step with the name.
        self.search_key = pinyin_key(self.name)
        super().save(*args, **kwargs)


class MarkTerm(ChangeLoggedModel):
    """One ten-year term of a registered mark (注册有效期), the first or a renewal (续展).

    The first term runs ten years from the registration date; each renewal runs
    ten years from the day after the previous term ends (商标法 art. 39–40).
    Terms are created by the services, which compute the end.
    """

    mark = models.ForeignKey(
        to="brands.GIMark",
        verbose_name=_("mark"),
        on_delete=models.CASCADE,
        related_name="terms",
    )
    start = models.DateField(
        verbose_name=_("term start"),
    )
    end = models.DateField(
        verbose_name=_("term end"),
        help_text=_("Last day of the term: the start plus ten years, less one day."),
    )
    reference = models.CharField(
        verbose_name=_("reference"),
        max_length=100,
        blank=True,
        help_text=_("Registration or renewal announcement, as published."),
    )

    class Meta:
        ordering = ["mark", "start"]
        verbose_name = _("mark term")
        verbose_name_plural = _("mark terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="markterm_end_after_start",
                violation_error_message=_("A term must end after it starts."),
            ),
            ExclusionConstraint(
                name="markterm_no_overlap",
                expressions=[
                    (
                        DateRange("start", "end", RangeBoundary(inclusive_upper=True)),
                        RangeOperators.OVERLAPS,
                    ),
                    ("mark", RangeOperators.EQUAL),
                ],
                violation_error_message=_("Terms of one mark must not overlap."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mark}: {self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("A term must end after it starts.")
        elif self.mark_id and self.start and self.end:
            clash = (
                MarkTerm.objects.filter(mark_id=self.mark_id, start__lte=self.end)
                .filter(end__gte=self.start)
                .exclude(pk=self.pk)
                .first()
            )
            if clash:
                errors["start"] = _(
                    "This term overlaps the term %(start)s – %(end)s of the same mark."
                ) % {"start": clash.start.isoformat(), "end": clash.end.isoformat()}
        if errors:
            raise ValidationError(errors)


class MarkUse(ChangeLoggedModel):
    """A lawful user of a GI mark: a filed licensee of a certification mark (许可使用人)
    or a member of a collective mark's registrant (集体成员).

    Which of the two follows from the mark's type; the rule spans two tables, so
    it lives in ``clean()`` and the service, not in a database constraint.
    """

    mark = models.ForeignKey(
        to="brands.GIMark",
        verbose_name=_("mark"),
        on_delete=models.CASCADE,
        related_name="uses",
    )
    producer = models.ForeignKey(
        to="producers.Producer",
        verbose_name=_("producer"),
        on_delete=models.PROTECT,
        related_name="gi_mark_uses",
    )
    kind = models.CharField(
        verbose_name=_("kind of use"),
        max_length=20,
        choices=MarkUseKind.choices,
    )
    start = models.DateField(
        verbose_name=_("from"),
        null=True,
        blank=True,
    )
    end = models.DateField(
        verbose_name=_("until"),
        null=True,
        blank=True,
    )
    filing_reference = models.CharField(
        verbose_name=_("filing reference"),
        max_length=100,
        blank=True,
        help_text=_("Licence filing (备案) or membership record; empty when not recorded."),
    )

    class Meta:
        ordering = ["mark", "producer__name", "start", "id"]
        verbose_name = _("mark user")
        verbose_name_plural = _("mark users")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                name="markuse_end_after_start",
                violation_error_message=_("The use must not end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["mark", "producer", "start"],
                name="markuse_unique_period",
                violation_error_message=_("This producer is already recorded from this date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.producer} · {self.mark}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.mark_id:
            expected = USE_KIND_FOR_MARK_TYPE[MarkType(self.mark.mark_type)]
            if self.kind and self.kind != expected:
                if self.mark.mark_type == MarkType.COLLECTIVE:
                    errors["kind"] = _(
                        "A collective mark is used by the registrant's members, not by licensees."
                    )
                else:
                    errors["kind"] = _(
                        "A certification mark is used by filed licensees, not by members."
                    )
            if (
                self.mark.mark_type == MarkType.CERTIFICATION
                and self.producer_id
                and self.producer_id == self.mark.registrant_id
            ):
                # 集体商标、证明商标注册和管理办法: the registrant certifies, it does not use.
                errors["producer"] = _(
                    "The registrant of a certification mark may not use it on its own goods."
                )
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("The use must not end before it starts.")
        if errors:
            raise ValidationError(errors)


class MarkImage(PhotoModel):
    """The mark as registered (商标图样), or a photo of it on a label."""

    mark = models.ForeignKey(
        to="brands.GIMark",
        verbose_name=_("mark"),
        on_delete=models.CASCADE,
        related_name="images",
    )

    class Meta:
        ordering = ["mark", "id"]
        verbose_name = _("mark image")
        verbose_name_plural = _("mark images")

    def __str__(self) -> str:
        return self.caption or str(self.mark)
