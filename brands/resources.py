"""Bulk import/export of GI marks, their users and famous marks: dry-run first, all or nothing.

Producers are referred to by unified social credit code, regions by code, so a
spreadsheet from an agency needs no registry ids. Marks without a registration
number (the number is never guessed) are matched on name and type.
"""

from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget

from girrepo.resources import AtomicModelResource
from producers.models import Producer
from regions.models import Region

from .choices import USE_KIND_FOR_MARK_TYPE, MarkType
from .models import FamousMark, GIMark, MarkUse


class NiceClassesWidget(widgets.Widget):
    """``5, 30`` (commas, semicolons, 、 or spaces) ⇄ ``[5, 30]``."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return []
        if isinstance(value, int | float):
            return [int(value)]
        parts = str(value).replace("、", ",").replace(";", ",").replace(" ", ",").split(",")
        try:
            return [int(p) for p in parts if p.strip()]
        except ValueError:
            raise ValueError(
                _("Nice classes are whole numbers from 1 to 45, separated by commas.")
            ) from None

    def render(self, value, obj=None, **kwargs):
        return ",".join(str(n) for n in value or [])


class LookupWidget(ForeignKeyWidget):
    """A foreign key by a natural key; an unknown key is a field error, not a crash."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except (ObjectDoesNotExist, MultipleObjectsReturned):
            raise ValueError(
                _("No %(model)s with %(field)s %(value)s is registered.")
                % {
                    "model": self.model._meta.verbose_name,
                    "field": self.model._meta.get_field(self.field).verbose_name,
                    "value": value,
                }
            ) from None


def _producer_field(attribute: str, column: str) -> fields.Field:
    return fields.Field(
        attribute=attribute,
        column_name=column,
        widget=LookupWidget(Producer, "credit_code"),
    )


class GIMarkResource(AtomicModelResource):
    """Rows are matched on the registration number, or on name and type when it is empty."""

    nice_classes = fields.Field(
        attribute="nice_classes", column_name="nice_classes", widget=NiceClassesWidget()
    )
    registrant = _producer_field("registrant", "registrant_credit_code")
    origin_regions = fields.Field(
        attribute="origin_regions",
        column_name="origin_region_codes",
        widget=ManyToManyWidget(Region, field="code", separator=","),
    )

    class Meta(AtomicModelResource.Meta):
        model = GIMark
        import_id_fields = ["registration_number"]
        fields = [
            "name",
            "mark_type",
            "registration_number",
            "nice_classes",
            "goods",
            "registrant",
            "origin_regions",
            "registration_date",
            "date_verified",
            "status",
            "description",
            "sources",
            "is_demo",
        ]

    def import_instance(self, instance, row, **kwargs):
        # Many-to-many columns are saved after the row; check the codes now so an
        # unknown one is a field error of this row rather than silently dropped.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        raw = str(row.get("origin_region_codes") or "")
        codes = {c.strip() for c in raw.replace("，", ",").split(",") if c.strip()}
        unknown = codes - set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
        if unknown:
            errors["origin_regions"] = [
                _("No region with code %(codes)s.") % {"codes": ", ".join(sorted(unknown))}
            ]
        if errors:
            raise ValidationError(errors)

    def get_instance(self, instance_loader, row):
        number = str(row.get("registration_number") or "").strip()
        if number:
            return GIMark.objects.filter(registration_number=number).first()
        return GIMark.objects.filter(
            name=str(row.get("name") or "").strip(),
            mark_type=row.get("mark_type"),
            registration_number="",
        ).first()


class MarkUseResource(AtomicModelResource):
    """One licensee or member per row. The mark is named by ``mark_registration_number``
    or, for a mark whose number is not recorded, by ``mark_id`` (its registry id).
    ``kind`` may be left empty: it follows from the mark's type."""

    mark_registration_number = fields.Field(column_name="mark_registration_number", readonly=True)
    mark_id = fields.Field(attribute="mark_id", column_name="mark_id", readonly=True)
    producer = _producer_field("producer", "producer_credit_code")

    class Meta(AtomicModelResource.Meta):
        model = MarkUse
        import_id_fields = []
        fields = [
            "mark_registration_number",
            "mark_id",
            "producer",
            "kind",
            "start",
            "end",
            "filing_reference",
        ]

    def dehydrate_mark_registration_number(self, use):
        return use.mark.registration_number

    def _mark(self, row) -> GIMark:
        number = str(row.get("mark_registration_number") or "").strip()
        mark_id = str(row.get("mark_id") or "").strip()
        if number:
            mark = GIMark.objects.filter(registration_number=number).first()
            if mark is None:
                raise ValidationError(
                    {"mark": _("No mark with registration number %(n)s.") % {"n": number}}
                )
            return mark
        if mark_id:
            mark = GIMark.objects.filter(pk=mark_id).first() if mark_id.isdigit() else None
            if mark is None:
                raise ValidationError({"mark": _("No mark with id %(n)s.") % {"n": mark_id}})
            return mark
        raise ValidationError(
            {"mark": _("Give the mark's registration number, or its id for an unnumbered mark.")}
        )

    def get_instance(self, instance_loader, row):
        try:
            mark = self._mark(row)
            producer = self.fields["producer"].clean(row)
            start = self.fields["start"].clean(row)
        except (ValidationError, ValueError):
            return None  # reported, field by field, by import_instance
        return MarkUse.objects.filter(mark=mark, producer=producer, start=start).first()

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        try:
            instance.mark = self._mark(row)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        else:
            if not instance.kind:
                instance.kind = USE_KIND_FOR_MARK_TYPE[MarkType(instance.mark.mark_type)]
        if errors:
            raise ValidationError(errors)


class FamousMarkResource(AtomicModelResource):
    """Rows are matched on kind, name and recognition date."""

    holder = _producer_field("holder", "holder_credit_code")

    class Meta(AtomicModelResource.Meta):
        model = FamousMark
        import_id_fields = ["kind", "name", "recognition_date"]
        fields = [
            "kind",
            "name",
            "holder",
            "trademark_number",
            "nice_class",
            "goods",
            "recognition_date",
            "date_verified",
            "decision_reference",
            "recognising_body",
            "valid_until",
            "description",
            "sources",
            "is_demo",
        ]
