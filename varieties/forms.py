"""The staff form for plant varieties, with the denomination-similarity check."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import PlantVariety
from .selectors import similar_denominations

# A changed name or species is checked again; other edits do not ask.
NAME_FIELDS = {"denomination", "species_zh", "species_latin"}


def similar_names_html(hits) -> str:
    """The similar names as a list of links, for the form error and the admin message."""
    return format_html_join(
        "",
        "<li><a href='{}' target='_blank'>{}</a> ({}) · {}% · {}</li>",
        (
            (v.get_absolute_url(), v.denomination, v.species_zh, round(score * 100), reason)
            for v, score, reason in hits
        ),
    )


class PlantVarietyAdminForm(forms.ModelForm):
    """A clerk entering a name like an existing one (紫鹃 when 紫娟 exists) must
    confirm having checked it: a warning, not a refusal, as with PLUTO/CPVO searches."""

    similar_names_checked = forms.BooleanField(
        label=_("I have checked the similar names"),
        required=False,
        help_text=_(
            "Required when registered denominations sound or look like this one "
            "(homophones, same name with other spacing or number)."
        ),
    )

    class Meta:
        model = PlantVariety
        fields = [
            "denomination",
            "species_zh",
            "species_latin",
            "plant_type",
            "is_demo",
            "register",
            "status",
            "application_number",
            "application_date",
            "grant_number",
            "grant_date",
            "owner",
            "owner_name",
            "breeders",
            "growing_regions",
            "description",
            "sources",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.similar_names: list = []

    def clean(self):
        data = super().clean()
        denomination = data.get("denomination")
        if not denomination or (self.instance.pk and not NAME_FIELDS & set(self.changed_data)):
            return data
        self.similar_names = similar_denominations(
            denomination=denomination,
            species=data.get("species_zh") or data.get("species_latin"),
            exclude_pk=self.instance.pk,
        )
        if self.similar_names and not data.get("similar_names_checked"):
            self.add_error(
                "similar_names_checked",
                ValidationError(
                    format_html(
                        "{}<ul class='similar-names'>{}</ul>{}",
                        _("Registered denominations similar to this one:"),
                        similar_names_html(self.similar_names),
                        _("Check them, then tick the box to save anyway."),
                    ),
                    code="similar_names",
                ),
            )
        return data
