from django.db import models
from django.utils.translation import gettext_lazy as _


class Holiday(models.Model):
    """A day that breaks the Monday–Friday week: a public holiday, or a weekend
    made a working day (调休). Deadlines counted in working days read this table."""

    date = models.DateField(
        verbose_name=_("date"),
        unique=True,
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
    )
    is_working_day = models.BooleanField(
        verbose_name=_("working day"),
        default=False,
        help_text=_("Ticked for a weekend day that is worked (调休)."),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
