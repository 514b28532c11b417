"""Forms of the cooperative portal and the staff workbench.

Forms only collect input; the services in ``labels.services`` and ``labels.intake``
decide. A service's field-keyed ``ValidationError`` comes back onto the form with
:func:`add_service_errors`, so the message stands next to the field it names.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brands.models import GIMark
from girrepo.filtersets import style_filter_form
from producers.models import Producer
from products.choices import AreaPrecision
from products.models import GIProduct
from regions.coords import CRS
from regions.models import Region

from .choices import ApplicationStatus, CheckResult, DocumentKind
from .models import Application


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's errors on the form: on the named field if the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error.messages if hasattr(error, "messages") else error)
    else:
        form.add_error(None, exc.messages)


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


class BootstrapForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ApplicationForm(forms.ModelForm):
    """The applicant's details; the producer is one of the account's producers."""

    producer = forms.ModelChoiceField(queryset=Producer.objects.none(), label=_("Applicant"))

    class Meta:
        model = Application
        fields = [
            "producer",
            "basis",
            "product",
            "mark",
            "varieties",
            "annual_output",
            "output_unit",
            "planned_label_use",
        ]

    def __init__(self, *args, producer_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producer"].queryset = Producer.objects.filter(pk__in=producer_ids)
        if len(producer_ids) == 1:
            self.fields["producer"].initial = next(iter(producer_ids))
        if self.instance.pk:
            del self.fields["producer"]  # an application keeps its applicant
        self.fields["product"].queryset = GIProduct.objects.order_by("name").only("id", "name")
        self.fields["mark"].queryset = GIMark.objects.order_by("name").only(
            "id", "name", "mark_type"
        )
        _bootstrap(self)

    def _post_clean(self):
        # Model validation runs in the service, with the county and producer set.
        pass


class ChangeApplicationForm(BootstrapForm):
    """What a change (变更) application restates; product and basis follow the authorization."""

    varieties = forms.CharField(label=_("Varieties"), max_length=300, required=False)
    annual_output = forms.DecimalField(
        label=_("Annual output"), max_digits=14, decimal_places=2, required=False, min_value=0
    )
    output_unit = forms.CharField(label=_("Output unit"), max_length=20, initial="吨")
    planned_label_use = forms.IntegerField(
        label=_("Planned labels per year"), required=False, min_value=0
    )


class SiteDrawForm(BootstrapForm):
    name = forms.CharField(label=_("Site name"), max_length=200, required=False)
    geometry = forms.CharField(
        label=_("Drawn site (GeoJSON)"),
        widget=forms.Textarea(attrs={"rows": 2, "readonly": True}),
        error_messages={"required": _("Draw the site on the map first.")},
    )


class SiteFileForm(BootstrapForm):
    file = forms.FileField(
        label=_("GeoJSON, KML or zipped shapefile"),
        help_text=_("One site per feature; a feature's name property names the site."),
    )
    crs = forms.ChoiceField(label=_("Coordinate system"), choices=CRS.choices, initial=CRS.WGS84)


class SiteCoordinatesForm(BootstrapForm):
    name = forms.CharField(label=_("Site name"), max_length=200, required=False)
    coordinates = forms.CharField(
        label=_("Longitude, latitude"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "104.10, 26.22"}),
        help_text=_(
            "One pair per line in decimal degrees: one line is a point, three or more "
            "lines the corners of a polygon."
        ),
    )
    crs = forms.ChoiceField(label=_("Coordinate system"), choices=CRS.choices, initial=CRS.WGS84)


SITE_FORMS = {"draw": SiteDrawForm, "file": SiteFileForm, "coords": SiteCoordinatesForm}


class DocumentForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File"), help_text=_("A PDF (at most 20 MB) or a photo or scan (JPEG, PNG).")
    )


class ReasonForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason: the applicant is told it.")},
    )


class NoteForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class OnSiteCheckForm(BootstrapForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    inspectors = forms.CharField(label=_("Inspectors"), max_length=300)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}))
    passed = forms.BooleanField(label=_("The site matches the application"), required=False)
    photos = MultipleImageField(label=_("Photos"), required=False)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise ValidationError(_("An on-site check cannot be recorded before it happens."))
        return day


class AnnualReportForm(BootstrapForm):
    year = forms.IntegerField(label=_("Year reported"), min_value=2000)
    labels_printed = forms.IntegerField(label=_("Labels printed"), min_value=0)
    labels_used = forms.IntegerField(label=_("Labels used"), min_value=0)
    output = forms.DecimalField(
        label=_("Output"), max_digits=14, decimal_places=2, required=False, min_value=0
    )


# What ``labels.screening.screen_file`` reads; GDAL finds the driver by the extension
# (a .zip goes through /vsizip/, a .csv needs its open options).
SCREENING_EXTENSIONS = (".gpkg", ".zip", ".geojson", ".json", ".kml", ".csv")


class ScreeningForm(BootstrapForm):
    """A file of sites to screen against the protected areas (staff bulk screening)."""

    file = forms.FileField(label=_("File of sites"))
    product = forms.ModelChoiceField(
        queryset=GIProduct.objects.none(),
        required=False,
        label=_("GI product"),
        empty_label=_("Every protected area"),
        help_text=_(
            "Blank: each site is listed with every protected area it lies in. Products "
            "whose area is not mapped cannot be screened and are not offered."
        ),
    )
    crs = forms.ChoiceField(
        label=_("Coordinate system"),
        choices=[("", _("The file's own (WGS-84 if it has none)")), *CRS.choices],
        required=False,
        help_text=_("Choose one only to override what the file says."),
    )
    id_field = forms.CharField(
        label=_("ID field"),
        max_length=100,
        required=False,
        help_text=_("The attribute that names a site in the report (default: feature number)."),
    )
    layer = forms.CharField(
        label=_("Layer"),
        max_length=100,
        required=False,
        help_text=_("For a file with several layers (default: the first)."),
    )
    output_format = forms.ChoiceField(
        label=_("Report format"), choices=[("csv", "CSV"), ("geojson", "GeoJSON")], initial="csv"
    )

    def __init__(self, *args, max_mb: float, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.too_large_message = _("The file is larger than %(mb)s MB.") % {"mb": f"{max_mb:g}"}
        self.fields["file"].help_text = _(
            "GeoPackage, zipped shapefile, GeoJSON, KML, or CSV with lon/lat (经度/纬度) or "
            "WKT columns; at most %(mb)s MB."
        ) % {"mb": f"{max_mb:g}"}
        if too_large:
            # The upload handler dropped the file when it passed the limit.
            self.fields["file"].error_messages["required"] = self.too_large_message
        self.fields["product"].queryset = (
            GIProduct.objects.exclude(area_precision=AreaPrecision.NOT_MAPPED)
            .order_by("name")
            .only("id", "name")
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith(SCREENING_EXTENSIONS):
            raise ValidationError(
                _("%(name)s is not a file that can be screened; allowed: %(allowed)s."),
                params={"name": upload.name, "allowed": ", ".join(SCREENING_EXTENSIONS)},
                code="extension",
            )
        if upload.size > self.max_bytes:
            raise ValidationError(self.too_large_message, code="too_large")
        return upload

    def _name(self, field: str) -> str | None:
        value = self.cleaned_data[field]
        if '"' in value:
            raise ValidationError(_("A name with double quotes cannot be read."), code="quotes")
        return value or None

    def clean_id_field(self):
        return self._name("id_field")

    def clean_layer(self):
        return self._name("layer")


class QueueFilterSet(django_filters.FilterSet):
    """The workbench queue's filters (the queryset is already scoped to the staff's region)."""

    status = django_filters.ChoiceFilter(
        choices=[c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT],
        label=_("Status"),
    )
    product = django_filters.ModelChoiceFilter(
        queryset=GIProduct.objects.order_by("name").only("id", "name"), label=_("GI product")
    )
    county = django_filters.ModelChoiceFilter(
        queryset=Region.objects.none(), label=_("County"), method="filter_county"
    )
    site_check_result = django_filters.ChoiceFilter(
        choices=CheckResult.choices, label=_("Site check")
    )
    overdue = django_filters.BooleanFilter(
        label=_("On-site check overdue"),
        method="filter_overdue",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Application
        fields = ["status", "product", "county", "site_check_result", "overdue"]

    def __init__(self, *args, scope: Region, **kwargs):
        super().__init__(*args, **kwargs)
        counties = Region.objects.filter(
            level="county", tree_id=scope.tree_id, lft__gte=scope.lft, rght__lte=scope.rght
        ).only("id", "name", "code")
        self.filters["county"].queryset = counties.order_by("code")
        style_filter_form(self.form)

    def filter_county(self, queryset, name, value):
        return queryset.filter(county=value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            status=ApplicationStatus.COUNTY_REVIEW, onsite_due__lt=timezone.localdate()
        )
