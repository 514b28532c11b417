"""Recognitions of a mark's reputation (驰名 / 著名商标) and customs IP recordations (海关备案)."""

from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from girrepo.models import ChangeLoggedModel
from girrepo.text import pinyin_key

from ..choices import FamousMarkKind, RecordationStatus, RightType
from ..validators import validate_nice_class


class FamousMark(ChangeLoggedModel):
    """A recognition of a mark as famous.

    * China well-known mark (中国驰名商标): found case by case by the trademark
      authority (CNIPA / the former trademark office) or a court, protects the
      mark beyond its classes and has **no period of validity**; the words may
      not be used on goods or in advertising.
    * Yunnan famous mark (云南省著名商标): recognised by the province for a fixed
      term; many provinces abolished such schemes around 2018.
    """

    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=20,
        choices=FamousMarkKind.choices,
    )
    name = models.CharField(
        verbose_name=_("mark"),
        max_length=200,
        help_text=_("The words of the mark as recognised."),
    )
    holder = models.ForeignKey(
        to="producers.Producer",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="famous_marks",
        null=True,
        blank=True,
        help_text=_("Empty when not recorded."),
    )
    trademark_number = models.CharField(
        verbose_name=_("trademark registration number"),
        max_length=30,
        blank=True,
    )
    nice_class = models.PositiveSmallIntegerField(
        verbose_name=_("Nice class"),
        null=True,
        blank=True,
        validators=[validate_nice_class],
    )
    goods = models.TextField(
        verbose_name=_("goods"),
        blank=True,
    )
    recognition_date = models.DateField(
        verbose_name=_("recognition date"),
        null=True,
        blank=True,
    )
    date_verified = models.BooleanField(
        verbose_name=_("recognition date verified"),
        default=False,
    )
    decision_reference = models.CharField(
        verbose_name=_("decision reference"),
        max_length=200,
        blank=True,
        help_text=_("Number of the recognising decision or judgment; empty when not recorded."),
    )
    recognising_body = models.CharField(
        verbose_name=_("recognised by"),
        max_length=200,
        blank=True,
        help_text=_("The trademark authority, the court, or the provincial body."),
    )
    valid_until = models.DateField(
        verbose_name=_("valid until"),
        null=True,
        blank=True,
        help_text=_("Provincial famous marks only; a well-known mark has no expiry."),
    )
    description = models.TextField(
        verbose_name=_("description"),
        blank=True,
    )
    sources = models.TextField(
        verbose_name=_("sources"),
        blank=True,
    )
    is_demo = models.BooleanField(
        verbose_name=_("demo data"),
        default=False,
        help_text=_("Fictional record for demonstration; not a real recognition."),
    )
    search_key = models.CharField(
        max_length=400,
        editable=False,
        blank=True,
    )

    class Meta:
        ordering = ["name", "-recognition_date", "id"]
        verbose_name = _("famous mark")
        verbose_name_plural = _("famous marks")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=FamousMarkKind.WELL_KNOWN) | Q(valid_until__isnull=True),
                name="famousmark_well_known_no_expiry",
                violation_error_message=_("A China well-known mark has no period of validity."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=FamousMarkKind.YUNNAN_FAMOUS)
                | Q(recognition_date__isnull=False, valid_until__isnull=False),
                name="famousmark_provincial_term_required",
                violation_error_message=_(
                    "A Yunnan famous mark needs its recognition date and valid-until date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(recognition_date__isnull=True)
                | Q(valid_until__gt=F("recognition_date")),
                name="famousmark_valid_after_recognition",
                violation_error_message=_("'Valid until' must be after the recognition date."),
            ),
            models.CheckConstraint(
                condition=Q(nice_class__isnull=True) | Q(nice_class__gte=1, nice_class__lte=45),
                name="famousmark_nice_class_1_45",
                violation_error_message=_("Nice classes run from 1 to 45."),
            ),
            models.CheckConstraint(
                condition=Q(date_verified=False) | Q(recognition_date__isnull=False),
                name="famousmark_verified_date_present",
                violation_error_message=_("Only a recorded recognition date can be verified."),
            ),
            models.UniqueConstraint(
                fields=["kind", "name", "recognition_date"],
                name="famousmark_unique_recognition",
                violation_error_message=_("This recognition is already registered."),
            ),
        ]
        indexes = [
            # The list's order: page 1 reads 51 index entries instead of sorting the table.
            models.Index(fields=["name", "-recognition_date", "id"], name="famousmark_list_order"),
            # Search by the first characters of a trademark number (LIKE 'X%').
            models.Index(
                fields=["trademark_number"],
                name="famousmark_number_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            GinIndex(fields=["name"], name="famousmark_name_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(
                fields=["search_key"],
                name="famousmark_search_key_trgm",
                opclasses=["gin_trgm_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("brands:famousmark_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.kind == FamousMarkKind.WELL_KNOWN and self.valid_until:
            errors["valid_until"] = _(
                "A China well-known mark has no period of validity; leave 'valid until' empty."
            )
        if self.kind == FamousMarkKind.YUNNAN_FAMOUS:
            if not self.recognition_date:
                errors["recognition_date"] = _("A Yunnan famous mark needs its recognition date.")
            if not self.valid_until:
                errors["valid_until"] = _(
                    "A Yunnan famous mark was recognised for a fixed term: "
                    "give the date it is valid until."
                )
        if (
            "valid_until" not in errors
            and self.valid_until
            and self.recognition_date
            and self.valid_until <= self.recognition_date
        ):
            errors["valid_until"] = _("'Valid until' must be after the recognition date.")
        if self.date_verified and not self.recognition_date:
            errors["date_verified"] = _("Only a recorded recognition date can be verified.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.search_key = pinyin_key(self.name)
        super().save(*args, **kwargs)


class CustomsRecordation(ChangeLoggedModel):
    """A right recorded with the General Administration of Customs (知识产权海关保护备案),
    so that customs may detain infringing goods at the border.

    Valid ten years from approval, or until the right itself expires if sooner
    (知识产权海关保护条例 art. 10); renewable.
    """

    right_type = models.CharField(
        verbose_name=_("kind of right"),
        max_length=20,
        choices=RightType.choices,
    )
    recorded_right = models.CharField(
        verbose_name=_("recorded right"),
        max_length=300,
        help_text=_("The right as the recordation names it, e.g. the trademark and its number."),
    )
    gi_mark = models.ForeignKey(
        to="brands.GIMark",
        verbose_name=_("GI mark"),
        on_delete=models.PROTECT,
        related_name="customs_recordations",
        null=True,
        blank=True,
    )
    famous_mark = models.ForeignKey(
        to="brands.FamousMark",
        verbose_name=_("famous mark"),
        on_delete=models.PROTECT,
        related_name="customs_recordations",
        null=True,
        blank=True,
    )
    recordation_number = models.CharField(
        verbose_name=_("recordation number"),
        max_length=50,
        blank=True,
    )
    recordation_date = models.DateField(
        verbose_name=_("recordation date"),
        null=True,
        blank=True,
    )
    valid_until = models.DateField(
        verbose_name=_("valid until"),
        null=True,
        blank=True,
    )
    holder = models.ForeignKey(
        to="producers.Producer",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="customs_recordations",
        null=True,
        blank=True,
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=20,
        choices=RecordationStatus.choices,
        default=RecordationStatus.VALID,
    )
    sources = models.TextField(
        verbose_name=_("sources"),
        blank=True,
    )
    is_demo = models.BooleanField(
        verbose_name=_("demo data"),
        default=False,
        help_text=_("Fictional record for demonstration; not a real recordation."),
    )
    search_key = models.CharField(
        max_length=400,
        editable=False,
        blank=True,
    )

    class Meta:
        ordering = ["-recordation_date", "recorded_right", "id"]
        verbose_name = _("customs IP recordation")
        verbose_name_plural = _("customs IP recordations")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(recordation_date__isnull=True)
                | Q(valid_until__gt=F("recordation_date")),
                name="customs_valid_after_recordation",
                violation_error_message=_("'Valid until' must be after the recordation date."),
            ),
            models.CheckConstraint(
                condition=Q(gi_mark__isnull=True) | Q(famous_mark__isnull=True),
                name="customs_one_linked_mark",
                violation_error_message=_("Link a GI mark or a famous mark, not both."),
            ),
            models.CheckConstraint(
                condition=Q(gi_mark__isnull=True)
                | Q(right_type__in=[RightType.GI_MARK, RightType.TRADEMARK]),
                name="customs_gi_mark_is_a_mark",
                violation_error_message=_("A GI mark can only be recorded as a mark."),
            ),
            models.CheckConstraint(
                condition=Q(famous_mark__isnull=True) | Q(right_type=RightType.TRADEMARK),
                name="customs_famous_mark_is_a_trademark",
                violation_error_message=_("A famous mark can only be recorded as a trademark."),
            ),
            models.UniqueConstraint(
                fields=["recordation_number"],
                condition=~Q(recordation_number=""),
                name="customs_unique_recordation_number",
                violation_error_message=_("A recordation with this number is registered."),
            ),
        ]
        indexes = [
            GinIndex(
                fields=["recorded_right"], name="customs_right_trgm", opclasses=["gin_trgm_ops"]
            ),
            GinIndex(
                fields=["search_key"], name="customs_search_key_trgm", opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.recorded_right

    def get_absolute_url(self) -> str:
        return reverse("brands:customsrecordation_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.gi_mark_id and self.famous_mark_id:
            errors["famous_mark"] = _("Link a GI mark or a famous mark, not both.")
        if self.gi_mark_id and self.right_type not in (RightType.GI_MARK, RightType.TRADEMARK):
            errors["gi_mark"] = _("A GI mark can only be recorded as a mark.")
        if self.famous_mark_id and self.right_type != RightType.TRADEMARK:
            errors["famous_mark"] = _("A famous mark can only be recorded as a trademark.")
        if self.valid_until and self.recordation_date and self.valid_until <= self.recordation_date:
            errors["valid_until"] = _("'Valid until' must be after the recordation date.")
        if (
            self.recordation_number
            and CustomsRecordation.objects.exclude(pk=self.pk)
            .filter(recordation_number=self.recordation_number)
            .exists()
        ):
            errors["recordation_number"] = _("A recordation with this number is registered.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.search_key = pinyin_key(self.recorded_right)
        super().save(*args, **kwargs)
