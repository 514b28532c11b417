"""Staff admin for the marks register, with change history and bulk import."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from girrepo.forms import SanitizedImageFormMixin

from .choices import USE_KIND_FOR_MARK_TYPE, MarkType
from .models import CustomsRecordation, FamousMark, GIMark, MarkImage, MarkTerm, MarkUse
from .resources import FamousMarkResource, GIMarkResource, MarkUseResource
from .services import (
    customs_right_expiry,
    customs_valid_until_suggestion,
    mark_renew,
    mark_term_create_first,
    mark_term_end,
)


class MarkTermForm(forms.ModelForm):
    """The end may be left empty: it is then computed (start + ten years − one day)."""

    class Meta:
        model = MarkTerm
        fields = ["start", "end", "reference"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end"].required = False

    def clean(self):
        data = super().clean()
        if data.get("start") and not data.get("end"):
            data["end"] = mark_term_end(start=data["start"])
        return data


class MarkUseForm(forms.ModelForm):
    """The kind of use may be left empty: it follows from the mark's type."""

    class Meta:
        model = MarkUse
        fields = ["mark", "producer", "kind", "start", "end", "filing_reference"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False

    def clean(self):
        data = super().clean()
        mark = data.get("mark") or getattr(self.instance, "mark", None)
        if not data.get("kind") and mark is not None and mark.mark_type:
            data["kind"] = USE_KIND_FOR_MARK_TYPE[MarkType(mark.mark_type)]
        return data


class MarkImageForm(SanitizedImageFormMixin, forms.ModelForm):
    class Meta:
        model = MarkImage
        fields = ["mark", "image", "caption", "credit"]


class MarkTermInline(admin.TabularInline):
    model = MarkTerm
    form = MarkTermForm
    extra = 0


class MarkUseInline(admin.TabularInline):
    model = MarkUse
    form = MarkUseForm
    extra = 0
    raw_id_fields = ["producer"]


class MarkImageInline(admin.TabularInline):
    model = MarkImage
    form = MarkImageForm
    extra = 0
    readonly_fields = ["thumbnail"]


@admin.register(GIMark)
class GIMarkAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [GIMarkResource]
    list_display = [
        "name",
        "mark_type",
        "registration_number",
        "registrant",
        "registration_date",
        "date_verified",
        "status",
        "is_demo",
    ]
    list_filter = ["mark_type", "status", "date_verified", "is_demo"]
    search_fields = ["name", "registration_number", "search_key", "goods"]
    raw_id_fields = ["registrant", "origin_regions", "related_products"]
    inlines = [MarkTermInline, MarkUseInline, MarkImageInline]
    actions = ["create_first_term", "renew"]
    fieldsets = [
        (None, {"fields": ["name", "mark_type", "registration_number", "status", "is_demo"]}),
        (
            _("Registration"),
            {
                "fields": [
                    "nice_classes",
                    "goods",
                    "registrant",
                    "registration_date",
                    "date_verified",
                ]
            },
        ),
        (_("Links"), {"fields": ["origin_regions", "related_products"]}),
        (_("Notes"), {"fields": ["description", "sources"]}),
    ]

    def _run(self, request, queryset, service, done_message):
        done = 0
        for mark in queryset:
            try:
                service(mark=mark)
            except ValidationError as exc:
                self.message_user(request, f"{mark}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Record the first ten-year term from the registration date"))
    def create_first_term(self, request, queryset):
        self._run(
            request,
            queryset,
            mark_term_create_first,
            lambda n: (
                ngettext("%(n)d first term recorded.", "%(n)d first terms recorded.", n) % {"n": n}
            ),
        )

    @admin.action(description=_("Renew for ten years"))
    def renew(self, request, queryset):
        self._run(
            request,
            queryset,
            mark_renew,
            lambda n: ngettext("%(n)d mark renewed.", "%(n)d marks renewed.", n) % {"n": n},
        )


@admin.register(MarkTerm)
class MarkTermAdmin(SimpleHistoryAdmin):
    form = MarkTermForm
    list_display = ["mark", "start", "end", "reference"]
    search_fields = ["mark__name", "mark__registration_number", "reference"]
    raw_id_fields = ["mark"]
    fields = ["mark", "start", "end", "reference"]


@admin.register(MarkUse)
class MarkUseAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    form = MarkUseForm
    resource_classes = [MarkUseResource]
    list_display = ["producer", "mark", "kind", "start", "end", "filing_reference"]
    list_filter = ["kind"]
    search_fields = ["producer__name", "producer__credit_code", "mark__name", "filing_reference"]
    raw_id_fields = ["mark", "producer"]


@admin.register(MarkImage)
class MarkImageAdmin(SimpleHistoryAdmin):
    form = MarkImageForm
    list_display = ["mark", "caption", "credit"]
    raw_id_fields = ["mark"]
    readonly_fields = ["thumbnail"]


@admin.register(FamousMark)
class FamousMarkAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [FamousMarkResource]
    list_display = [
        "name",
        "kind",
        "holder",
        "recognition_date",
        "date_verified",
        "valid_until",
        "is_demo",
    ]
    list_filter = ["kind", "date_verified", "is_demo"]
    search_fields = ["name", "trademark_number", "decision_reference", "search_key"]
    raw_id_fields = ["holder"]


@admin.register(CustomsRecordation)
class CustomsRecordationAdmin(SimpleHistoryAdmin):
    list_display = [
        "recorded_right",
        "right_type",
        "recordation_number",
        "holder",
        "recordation_date",
        "valid_until",
        "status",
        "is_demo",
    ]
    list_filter = ["right_type", "status", "is_demo"]
    search_fields = ["recorded_right", "recordation_number", "search_key", "holder__name"]
    raw_id_fields = ["holder", "gi_mark", "famous_mark"]

    def save_model(self, request, obj, form, change):
        # An empty "valid until" gets the legal default: ten years, or the right's own end.
        if obj.valid_until is None and obj.recordation_date is not None:
            obj.valid_until = customs_valid_until_suggestion(
                recordation_date=obj.recordation_date,
                right_expiry=customs_right_expiry(recordation=obj),
            )
        super().save_model(request, obj, form, change)
